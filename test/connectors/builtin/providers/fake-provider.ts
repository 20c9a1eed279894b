import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import {
  type ConnectorDefinition,
  type ConnectorResult,
  type ExecuteOptions,
  executeDefinition,
  type JsonObject,
} from "../../../../src/connectors/index.ts";
import { createOutboundClient, type OutboundClient } from "../../../../src/outbound/index.ts";
import {
  type LoopbackServer,
  type SeenRequest,
  startLoopbackServer,
} from "../../../outbound/loopback-server.ts";

/** An answer the fake provider gives to the next request. */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A provider API on 127.0.0.1: it records every request and answers each with the next queued answer
 * (a 599 when none is queued, so that a test which forgot one fails loudly).
 */
export interface FakeProvider {
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  readonly requests: SeenRequest[];
  /** Runs one command with an outbound client of its own that may reach the fake (loopback allowed). */
  run(
    definition: ConnectorDefinition,
    config: JsonObject,
    connection: JsonObject,
    options?: ExecuteOptions,
  ): Promise<ConnectorResult>;
  /** Queues the answer to the next request. */
  answer(status: number, body?: unknown, headers?: Record<string, string>): void;
  /** Forgets the requests and any answer left over from the previous test. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeProvider(): Promise<FakeProvider> {
  const queue: Answer[] = [];
  // The fake is on loopback, which the egress policy refuses unless allow-listed.
  const outbound = createOutboundClient({ allow: ["127.0.0.1/32"] });
  const server: LoopbackServer = await startLoopbackServer("127.0.0.1", (_req, res) => {
    const next = queue.shift() ?? { status: 599, body: { error: "no answer queued" } };
    const text =
      next.body === undefined ? "" : typeof next.body === "string" ? next.body : JSON.stringify(next.body);
    res.writeHead(next.status, {
      ...(text !== "" && typeof next.body !== "string" ? { "content-type": "application/json" } : {}),
      ...next.headers,
    });
    res.end(text);
  });
  return {
    baseUrl: server.origin,
    requests: server.requests,
    run: (definition, config, connection, options) =>
      runCommand(outbound, definition, config, connection, options),
    answer: (status, body, headers) => {
      queue.push({ status, body, ...(headers !== undefined ? { headers } : {}) });
    },
    reset: () => {
      server.requests.length = 0;
      queue.length = 0;
    },
    close: async () => {
      await server.close();
      await outbound.close();
    },
  };
}

/**
 * The fake provider for one test file: started (with an outbound client allowed to reach loopback)
 * before the file's tests, reset before each, closed after them. Read its fields inside tests, not at
 * load time.
 */
export function useFakeProvider(): FakeProvider {
  let started: FakeProvider | undefined;
  const current = (): FakeProvider => {
    if (started === undefined) throw new Error("the fake provider starts in beforeAll");
    return started;
  };
  beforeAll(async () => {
    started = await startFakeProvider();
  });
  afterAll(() => started?.close());
  beforeEach(() => started?.reset());
  return {
    get baseUrl() {
      return current().baseUrl;
    },
    get requests() {
      return current().requests;
    },
    run: (definition, config, connection, options) => current().run(definition, config, connection, options),
    answer: (status, body, headers) => current().answer(status, body, headers),
    reset: () => current().reset(),
    close: () => current().close(),
  };
}

/** Runs one command of `definition` with `connection` as its connection config, calling out through `outbound`. */
export function runCommand(
  outbound: OutboundClient,
  definition: ConnectorDefinition,
  config: JsonObject,
  connection: JsonObject,
  options: ExecuteOptions = {},
): Promise<ConnectorResult> {
  return executeDefinition(
    definition,
    { config, connectorConfig: connection, variables: {}, stepId: "step-1", runId: "run-1", outbound },
    options,
  );
}

/** The one request the fake received; fails when there were more or none. */
export function onlyRequest(api: FakeProvider): SeenRequest {
  expect(api.requests).toHaveLength(1);
  return api.requests[0] as SeenRequest;
}

/** A request's body parsed as JSON. */
export function jsonOf(request: SeenRequest): unknown {
  return JSON.parse(request.body);
}

/** A request's form-encoded body, every key once (repeated keys keep the last value). */
export function formOf(request: SeenRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(request.body));
}

/** Asserts that none of `secrets` appears anywhere in the result. */
export function expectNoSecrets(result: ConnectorResult, ...secrets: string[]): void {
  const text = JSON.stringify(result);
  for (const secret of secrets) expect(text).not.toContain(secret);
}
