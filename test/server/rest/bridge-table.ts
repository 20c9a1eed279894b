import type { JsonValue } from "@bufbuild/protobuf";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ERROR_HEADER } from "../../../src/protocol/headers.ts";
import { compileProto, serviceOf } from "./compile-proto.ts";
import { type EchoServer, startEchoServer, type Transport } from "./echo-server.ts";

/** One transcoder behaviour: a REST request and everything the answer and the handler must show. */
export interface BridgeRow {
  /** The behaviour, as the test name. */
  readonly name: string;
  readonly method: string;
  /** Path and query, exactly as sent (percent-encoding included). */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  readonly status: number;
  /** The RPC that must handle the request, or null when no handler may run. */
  readonly reaches: string | null;
  /** The request message the handler must receive, as proto3 JSON. */
  readonly handlerSaw?: JsonValue;
  /** Request headers the handler must see with this value (string) or not at all (null). */
  readonly handlerHeaders?: Readonly<Record<string, string | null>>;
  /** The JSON response body. */
  readonly json?: JsonValue;
  /** The raw response body and its content type. */
  readonly raw?: { readonly contentType: string; readonly bytes: Uint8Array };
  /** An error answer: its Connect code, a fragment its message must contain, and its details. */
  readonly error?: { readonly code: string; readonly mentions: string; readonly details?: JsonValue[] };
  /** Response headers that must have this value (string) or be absent (null). */
  readonly responseHeaders?: Readonly<Record<string, string | null>>;
  /** Text that must appear in neither the response body nor any response header. */
  readonly hides?: string;
  /** A real bug: the row states the intended behaviour and runs as `it.fails` until the fix lands. */
  readonly knownBug?: string;
}

/** Options for {@link describeBridgeTable}. */
export interface BridgeTableOptions {
  /** The inline annotated proto. */
  readonly proto: string;
  /** Fully-qualified name of the service in it to route. */
  readonly service: string;
  readonly rows: readonly BridgeRow[];
  /** Transports to run every row over; both by default. */
  readonly transports?: readonly Transport[];
  /** The bridge's body limit; 1024 by default. */
  readonly maxBodyBytes?: number;
}

/** A JSON request body with its content type, to spread into a row. */
export function jsonBody(value: JsonValue): { body: string; headers: Record<string, string> } {
  return { body: JSON.stringify(value), headers: { "content-type": "application/json" } };
}

function parse(body: Buffer): unknown {
  return JSON.parse(body.toString("utf8"));
}

async function check(server: EchoServer, row: BridgeRow): Promise<void> {
  const res = await server.send({
    method: row.method,
    path: row.path,
    ...(row.headers === undefined ? {} : { headers: row.headers }),
    ...(row.body === undefined ? {} : { body: row.body }),
  });
  const text = res.body.toString("utf8");
  expect(res.status, `status (body: ${text})`).toBe(row.status);

  if (row.reaches === null) {
    expect(server.calls).toEqual([]);
  } else {
    expect(server.calls.map((c) => c.rpc)).toEqual([row.reaches]);
    // Every bridged call passes the router's interceptors, marked as REST.
    expect(server.intercepted).toContainEqual({ rpc: row.reaches, bridgeMarker: "1" });
  }
  const call = server.calls[0];
  if (row.handlerSaw !== undefined) expect(call?.message).toEqual(row.handlerSaw);
  for (const [name, value] of Object.entries(row.handlerHeaders ?? {})) {
    expect(call?.header.get(name), `handler header ${name}`).toBe(value);
  }
  if (row.json !== undefined) {
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(parse(res.body)).toEqual(row.json);
  }
  if (row.raw !== undefined) {
    expect(res.headers.get("content-type")).toBe(row.raw.contentType);
    expect(new Uint8Array(res.body)).toEqual(row.raw.bytes);
  }
  if (row.error !== undefined) {
    expect(res.headers.get("content-type")).toBe("application/json");
    const error = parse(res.body) as { code?: unknown; message?: unknown; details?: unknown };
    expect(error.code).toBe(row.error.code);
    expect(error.message).toEqual(expect.stringContaining(row.error.mentions));
    expect(error.details).toEqual(row.error.details ?? []);
    const header = res.headers.get(ERROR_HEADER);
    expect(header, `${ERROR_HEADER} header`).toBeTruthy();
    if (typeof error.message === "string" && /^[\x20-\x7e]*$/.test(error.message)) {
      expect(header).toBe(error.message);
    }
  }
  for (const [name, value] of Object.entries(row.responseHeaders ?? {})) {
    expect(res.headers.get(name), `response header ${name}`).toBe(value);
  }
  if (row.hides !== undefined) {
    expect(text).not.toContain(row.hides);
    expect([...res.headers.values()].join("\n")).not.toContain(row.hides);
  }
}

/**
 * Runs each row against a real server (the bridge in front of an echo implementation of the inline
 * proto's service), once per transport. Rows must state the status, which RPC runs (or none), and
 * the body they expect.
 */
export function describeBridgeTable(title: string, options: BridgeTableOptions): void {
  describe.each(options.transports ?? (["http/1.1", "h2c"] as const))(`${title} over %s`, (transport) => {
    let server: EchoServer | undefined;
    beforeAll(async () => {
      const registry = await compileProto(options.proto);
      server = await startEchoServer({
        registry,
        service: serviceOf(registry, options.service),
        transport,
        maxBodyBytes: options.maxBodyBytes ?? 1024,
      });
    });
    afterAll(async () => {
      await server?.close();
    });
    beforeEach(() => {
      server?.calls.splice(0);
      server?.intercepted.splice(0);
    });
    for (const row of options.rows) {
      const test = row.knownBug === undefined ? it : it.fails;
      test(row.name, async () => {
        if (server === undefined) throw new Error("the echo server did not start");
        await check(server, row);
      });
    }
  });
}
