import type { DescMethod, DescService, JsonValue } from "@bufbuild/protobuf";
import { fromJson, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectBindings, type HttpBinding } from "../../src/server/rest/http-rules.ts";
import { isRawBody } from "../../src/server/rest/request-json.ts";
import { REFLECTED_FILES, REST_SERVICES, SERVED_SERVICES } from "../../src/server/routes.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import { connectCall, envelope, grpcSession, grpcWebCall, type RawAnswer } from "./hostile-input-raw-rpc.ts";
import { type TextTarget, textTargets } from "./hostile-input-targets.ts";

// Every served service: the API, health and reflection (the external-connector contract is not served).
const SERVICES: DescService[] = REFLECTED_FILES.flatMap((file) => file.services).filter(
  (s) => SERVED_SERVICES.includes(s.typeName) || s.typeName.startsWith("grpc."),
);
const METHODS = SERVICES.flatMap((s) => s.methods);
const UNARY = METHODS.filter((m) => m.methodKind === "unary");
const CASES = UNARY.flatMap((method) => textTargets(method).map((target) => ({ method, target })));
const BINDINGS = new Map<DescMethod, HttpBinding[]>();
for (const b of collectBindings(REST_SERVICES))
  BINDINGS.set(b.method, [...(BINDINGS.get(b.method) ?? []), b]);

const NUL = "must not contain U+0000 (NUL)";
const SEED = 1607;
const pathOf = (m: DescMethod) => `/${m.parent.typeName}/${m.name}`;
// fast-check runs `examples` first and counts them in `numRuns`: every case once, then random ones.
function runs<T extends unknown[]>(examples: T[], random: number): fc.Parameters<T> {
  return { numRuns: examples.length + random, seed: SEED, examples };
}
const caseName = ({ method, target }: (typeof CASES)[number]) => `${method.name} ${target.path}`;

// Text around one hostile code unit, so the refusal does not hang on where it sits.
const around = (bad: fc.Arbitrary<string>) =>
  fc.tuple(fc.string({ maxLength: 6 }), bad, fc.string({ maxLength: 6 })).map(([a, b, c]) => a + b + c);
const withNul = around(fc.constant("\u0000"));
const withLoneSurrogate = around(
  fc.oneof(
    fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)),
    fc.constant("\ud83d"),
  ),
);
// Byte sequences that are not UTF-8: a CESU-8 surrogate, an overlong NUL, a stray continuation byte,
// a truncated sequence, a byte UTF-8 never uses. Four bytes each, to replace a four-byte marker.
const invalidUtf8: fc.Arbitrary<readonly number[]> = fc.constantFrom(
  [0xed, 0xa0, 0x80, 0x41],
  [0xc0, 0x80, 0x41, 0x41],
  [0x41, 0x80, 0x41, 0x41],
  [0x41, 0x41, 0x41, 0xe2],
  [0xff, 0x41, 0x41, 0x41],
);
const MARKER = "\u0001\u0002\u0003\u0004";

// Protobuf binary that no message type decodes: a length past the end, a wire type that does not exist,
// field number 0, a varint that never ends, a group that never closes.
const malformedBinary = fc.oneof(
  fc
    .integer({ min: 2, max: 60 })
    .chain((n) =>
      fc.uint8Array({ minLength: n - 1, maxLength: n - 1 }).map((rest) => Uint8Array.of(0x0a, n, ...rest)),
    ),
  fc
    .tuple(fc.integer({ min: 1, max: 15 }), fc.constantFrom(6, 7))
    .map(([f, w]) => Uint8Array.of((f << 3) | w)),
  fc.constantFrom(0, 1, 2, 5).map((w) => Uint8Array.of(w, 0x01)),
  fc.constant(Uint8Array.of(0x08, ...new Array<number>(11).fill(0xff))),
  fc.integer({ min: 1, max: 15 }).map((f) => Uint8Array.of((f << 3) | 3)),
);
const malformedJson = fc.oneof(
  fc.constant("{"),
  fc.json().map((j) => `${j},`),
  fc.string({ maxLength: 8 }).map((s) => `{"${s.replaceAll('"', "")}`),
  fc.constant('{"a":1,"a":2}'),
);

describe("hostile input at the edge", () => {
  let t: TestServer;
  let auth: Record<string, string>;
  /** Every request id an answer carried, to find each one's log line. */
  const answered: string[] = [];
  const expectRefused = (answer: RawAnswer, code = Code.InvalidArgument) => {
    expect(answer.code, answer.message).toBe(code);
    expect(answer.requestId).toMatch(/^[\w-]{8,}$/);
    answered.push(answer.requestId as string);
  };

  beforeAll(async () => {
    t = await startTestServer("postgresql", {
      PATCHBAY_RATE_LIMITS: "off",
      PATCHBAY_CONCURRENCY_LIMITS: "off",
      LOG_LEVEL: "info",
    });
    auth = { authorization: `Bearer ${t.adminKey}` };
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("finds text in every RPC that takes any, from the descriptors", () => {
    const covered = new Set(CASES.map((c) => c.method));
    for (const method of UNARY) {
      if (textTargets(method).length > 0) expect(covered.has(method)).toBe(true);
    }
    expect(covered.size).toBeGreaterThan(30);
    expect(CASES.length).toBeGreaterThan(150);
  });

  describe("U+0000 in any string field", () => {
    it("is refused over Connect JSON, naming the field path", async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...CASES), withNul, async ({ method, target }, text) => {
          const body = JSON.stringify(target.json(text));
          const answer = await connectCall(t.url, pathOf(method), body, "application/json", auth);
          expectRefused(answer);
          expect(answer.message, caseName({ method, target })).toBe(`${target.path} ${NUL}`);
        }),
        runs(
          CASES.map((c) => [c, "\u0000"] as [typeof c, string]),
          40,
        ),
      );
    });

    it("is refused over gRPC (connect-node's gRPC transport), naming the field path", async () => {
      const transport = createGrpcTransport({ baseUrl: t.url });
      const clients = new Map(
        SERVICES.map((s) => [s, createClient(s, transport) as Record<string, unknown>]),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...CASES), withNul, async ({ method, target }, text) => {
          const call = clients.get(method.parent)?.[method.localName] as (
            m: unknown,
            o: unknown,
          ) => Promise<unknown>;
          const error = await call(fromJson(method.input, target.json(text)), { headers: auth }).then(
            () => undefined,
            (e: unknown) => ConnectError.from(e),
          );
          expect(error?.code, caseName({ method, target })).toBe(Code.InvalidArgument);
          expect(error?.rawMessage).toBe(`${target.path} ${NUL}`);
          // Connect's client merges headers and trailers; an error carries the id in its trailers.
          const id = error?.metadata.get("x-request-id");
          expect(id).toMatch(/^[\w-]{8,}$/);
          answered.push(id as string);
        }),
        runs(
          CASES.map((c) => [c, "\u0000"] as [typeof c, string]),
          40,
        ),
      );
    });

    it("is refused over REST, in the path, the query or the body, naming the field path", async () => {
      const placeable = CASES.filter((c) => restRequest(c, "x") !== undefined);
      expect(new Set(placeable.map((c) => c.method)).size).toBeGreaterThan(25);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...placeable), withNul, async (c, text) => {
          const answer = await rest(restRequest(c, text) as RestCall);
          expect(answer.status, caseName(c)).toBe(400);
          expectRefused(answer);
          expect(answer.message, caseName(c)).toBe(`${c.target.path} ${NUL}`);
        }),
        runs(
          placeable.map((c) => [c, "a\u0000b"] as [typeof c, string]),
          40,
        ),
      );
    });
  });

  describe("text that is not Unicode", () => {
    it("is refused over Connect JSON (lone surrogates), naming the field", async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...CASES), withLoneSurrogate, async ({ method, target }, text) => {
          const body = JSON.stringify(target.json(text));
          const answer = await connectCall(t.url, pathOf(method), body, "application/json", auth);
          expectRefused(answer);
          expect(answer.message, caseName({ method, target })).toMatch(/valid Unicode text/);
          if (!target.key) expect(answer.message).toMatch(namesField(target));
        }),
        runs(
          CASES.map((c) => [c, "\ud800"] as [typeof c, string]),
          40,
        ),
      );
    });

    it("is refused over REST JSON bodies (lone surrogates) and as percent-escapes that are not UTF-8", async () => {
      const inBody = CASES.filter((c) => restRequest(c, "\u0001")?.body?.includes("\\u0001") === true);
      const inUrl = CASES.filter((c) => restRequest(c, "\u0001")?.url.includes("%01") === true);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...inBody), withLoneSurrogate, async (c, text) => {
          const answer = await rest(restRequest(c, text) as RestCall);
          expect(answer.status).toBe(400);
          expectRefused(answer);
          expect(answer.message, caseName(c)).toMatch(/valid Unicode text/);
        }),
        runs(
          inBody.map((c) => [c, "\udfff"] as [typeof c, string]),
          20,
        ),
      );
      for (const c of inUrl) {
        const call = restRequest(c, "\u0001") as RestCall;
        const answer = await rest({ ...call, url: call.url.replace("%01", "%ED%A0%80") });
        expect(answer.status, caseName(c)).toBe(400);
        expectRefused(answer);
      }
    });

    it("is refused over gRPC and Connect binary (invalid UTF-8 in protobuf binary), naming the field path", async () => {
      const session = grpcSession(t.url);
      try {
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...CASES), invalidUtf8, async ({ method, target }, bad) => {
            const bytes = toBinary(method.input, fromJson(method.input, target.json(MARKER)));
            const at = Buffer.from(bytes).indexOf(MARKER);
            expect(at).toBeGreaterThanOrEqual(0);
            bytes.set(bad, at);
            const grpc = await session.call(pathOf(method), envelope(bytes), auth);
            expectRefused(grpc);
            expect(grpc.message, caseName({ method, target })).toBe(`${target.path} must be valid UTF-8`);
            const connect = await connectCall(t.url, pathOf(method), bytes, "application/proto", auth);
            expectRefused(connect);
            expect(connect.message).toBe(`${target.path} must be valid UTF-8`);
          }),
          runs(
            CASES.map((c) => [c, [0xed, 0xa0, 0x80, 0x41]] as [typeof c, readonly number[]]),
            40,
          ),
        );
      } finally {
        session.close();
      }
    });
  });

  describe("malformed messages on every method and protocol", () => {
    it("answers INVALID_ARGUMENT to malformed protobuf binary over gRPC, gRPC-Web and Connect", async () => {
      const session = grpcSession(t.url);
      try {
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...METHODS), malformedBinary, async (method, bytes) => {
            expectRefused(await session.call(pathOf(method), envelope(bytes), auth));
            const web = await grpcWebCall(t.url, pathOf(method), envelope(bytes), auth);
            if (method.methodKind === "bidi_streaming") {
              // Bidirectional streams need HTTP/2: refused before any byte is read, and still logged.
              expect(web.status).toBe(505);
              expectRefused(web, -1 as Code);
            } else expectRefused(web);
            if (method.methodKind === "unary") {
              const answer = await connectCall(t.url, pathOf(method), bytes, "application/proto", auth);
              expect(answer.status).toBe(400);
              expectRefused(answer);
              expect(answer.message).toContain(method.input.typeName);
            }
          }),
          runs(
            METHODS.map((m) => [m, Uint8Array.of(0x0a, 0x05, 0x01)] as [DescMethod, Uint8Array]),
            30,
          ),
        );
      } finally {
        session.close();
      }
    });

    it("answers INVALID_ARGUMENT to malformed JSON over Connect and REST, quoting none of it", async () => {
      const bodies = UNARY.filter((m) => {
        const b = BINDINGS.get(m)?.[0];
        return b !== undefined && b.body !== "" && !isRawBody(m.input, b.body);
      });
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...UNARY), malformedJson, async (method, text) => {
          const answer = await connectCall(t.url, pathOf(method), text, "application/json", auth);
          expect(answer.status).toBe(400);
          expectRefused(answer);
          expect(answer.message).not.toContain(text.slice(0, 6));
        }),
        runs(
          UNARY.map((m) => [m, "{"] as [DescMethod, string]),
          60,
        ),
      );
      for (const method of bodies) {
        const call = restRequest({ method, target: undefined }, "") as RestCall;
        const answer = await rest({ ...call, body: '{"oops' });
        expect(answer.status).toBe(400);
        expectRefused(answer);
      }
    });
  });

  it("wrote one log line for every refused request, and keeps serving", async () => {
    const lines = t.logs.lines();
    const byId = new Map<string, number>();
    for (const line of lines) {
      if (typeof line.reqId === "string") byId.set(line.reqId, (byId.get(line.reqId) ?? 0) + 1);
    }
    const missing = answered.filter((id) => byId.get(id) !== 1);
    expect(missing.slice(0, 5)).toEqual([]);
    expect(answered.length).toBeGreaterThan(500);
    expect(lines.filter((l) => l.level === "error")).toEqual([]);

    const answer = await connectCall(
      t.url,
      "/patchbay.v1.CatalogService/GetConnector",
      JSON.stringify({ slug: "http" }),
      "application/json",
      auth,
    );
    expect(answer.code).toBe(0);
  });

  // --- REST placement -------------------------------------------------------------------------------

  interface RestCall {
    method: string;
    url: string;
    body?: string;
  }

  async function rest(call: RestCall): Promise<RawAnswer & { status: number }> {
    const res = await fetch(`${t.url}${call.url}`, {
      method: call.method,
      headers: { ...auth, "content-type": "application/json" },
      ...(call.body === undefined ? {} : { body: call.body }),
    });
    const error = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    return {
      status: res.status,
      code: error.code === "invalid_argument" ? Code.InvalidArgument : -1,
      message: error.message ?? "",
      requestId: res.headers.get("x-request-id"),
    };
  }

  /**
   * A REST request for the RPC's first HTTP binding with `text` where the target says (a path variable,
   * the JSON body or a query parameter); undefined when REST cannot carry text there. Other path
   * variables are "x". Without a target, the request for the bare route.
   */
  function restRequest(c: { method: DescMethod; target: TextTarget | undefined }, text: string) {
    const { target } = c;
    // The binding that binds the target's field, else one whose path binds nothing of the target's oneof.
    const bindings = BINDINGS.get(c.method) ?? [];
    const oneof = target?.top.oneof;
    const binding =
      bindings.find((b) => b.template.variables.some((v) => v.fieldPath[0] === target?.top.name)) ??
      bindings.find((b) =>
        b.template.variables.every(
          (v) => oneof === undefined || !oneof.fields.some((f) => f.name === v.fieldPath[0]),
        ),
      );
    if (binding === undefined || isRawBody(c.method.input, binding.body)) return undefined;
    const { segments, variables, verb } = binding.template;
    const inPath =
      target !== undefined &&
      target.path === target.top.name &&
      variables.some((v) => v.fieldPath.length === 1 && v.fieldPath[0] === target.top.name);
    const parts: string[] = [];
    for (let i = 0; i < segments.length; i++) {
      const variable = variables.find((v) => v.start === i);
      const segment = segments[i];
      if (variable !== undefined) {
        const mine = inPath && variable.fieldPath[0] === target?.top.name;
        parts.push(mine ? encodeURIComponent(text) : "x");
        i = variable.end - 1;
      } else parts.push(segment?.kind === "literal" ? segment.value : "x");
    }
    let url = `/${parts.join("/")}${verb === undefined ? "" : `:${verb}`}`;
    let body: string | undefined;
    if (target === undefined) {
      body = binding.body === "" ? undefined : "{}";
    } else if (inPath) {
      body = binding.body === "" ? undefined : "{}";
    } else if (binding.body === "*") {
      body = JSON.stringify(target.json(text));
    } else if (binding.body === target.top.name) {
      body = JSON.stringify(target.json(text)[target.top.jsonName] as JsonValue);
    } else if (target.query !== undefined && !target.key) {
      url += `?${new URLSearchParams([[target.query, text]]).toString()}`;
      if (binding.body !== "") body = "{}";
    } else {
      return undefined;
    }
    return { method: binding.httpMethod, url, ...(body === undefined ? {} : { body }) };
  }
});

/** The refusal names the target's field (its path, or the field itself when the decoder refused it). */
function namesField(target: TextTarget): RegExp {
  const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`${quote(target.field)}|a JSON value|${quote(target.top.name)}`);
}
