import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { executeOperation, type SecurityBinding } from "../../../src/connectors/openapi/index.ts";
import { createTokenCache, type TokenCache } from "../../../src/connectors/openapi/token-cache.ts";
import { createEgressGuard, createEgressPolicy } from "../../../src/outbound/index.ts";
import {
  type LoopbackServer,
  type SeenRequest,
  startLoopbackServer,
} from "../../outbound/loopback-server.ts";
import { type Harness, planOf, startHarness } from "./execute-harness.ts";

const CLIENT_ID = "patchbay-client";
const CLIENT_SECRET = "s3cret/with:odd&chars";

const SCHEMES: Record<string, SecurityBinding> = {
  machine: { type: "oauth2", flows: ["clientCredentials"] },
  both: { type: "oauth2", flows: ["authorizationCode", "clientCredentials"] },
  userOnly: { type: "oauth2", flows: ["authorizationCode", "implicit"] },
};

// The egress policy production uses, allowed to reach the loopback token endpoint; and the same policy
// with nothing allowed, as a server with an empty PATCHBAY_EGRESS_ALLOW has it.
const guard = createEgressGuard(createEgressPolicy(["127.0.0.1"]), () => Promise.resolve([]));
const strict = createEgressGuard(createEgressPolicy([]), () => Promise.resolve([]));

let api: Harness;
let auth: LoopbackServer;
/** How the token endpoint answers; `issue` by default. */
let tokenAnswer: (res: ServerResponse, seen: SeenRequest) => void;
let issued = 0;
let clock = 0;
let tokens: TokenCache;

/** RFC 6749 §2.3.1: Basic credentials are the form-urlencoded id and secret. */
function basicCredentials(seen: SeenRequest): [string, string] | undefined {
  const match = /^Basic (.+)$/.exec(seen.headers.authorization ?? "");
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const form = (text: string) => decodeURIComponent(text.replace(/\+/g, " "));
  return [form(decoded.slice(0, colon)), form(decoded.slice(colon + 1))];
}

/** A token endpoint that checks the client and the grant type, then issues `tok-<n>`. */
function issue(extra: Record<string, unknown> = { expires_in: 3600 }) {
  return (res: ServerResponse, seen: SeenRequest): void => {
    const [id, secret] = basicCredentials(seen) ?? [];
    const form = new URLSearchParams(seen.body);
    if (id !== CLIENT_ID || secret !== CLIENT_SECRET || form.get("grant_type") !== "client_credentials") {
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":"invalid_client"}');
      return;
    }
    issued++;
    res
      .writeHead(200, { "content-type": "application/json", "cache-control": "no-store" })
      .end(JSON.stringify({ access_token: `tok-${issued}`, token_type: "Bearer", ...extra }));
  };
}

beforeAll(async () => {
  api = await startHarness();
  auth = await startLoopbackServer("127.0.0.1", (_req, res, seen) => tokenAnswer(res, seen));
});
afterAll(async () => {
  await api.close();
  await auth.close();
  await Promise.all([guard.close(), strict.close()]);
});
beforeEach(() => {
  api.reset();
  auth.requests.length = 0;
  tokenAnswer = issue();
  issued = 0;
  clock = 0;
  tokens = createTokenCache({ now: () => clock });
});

interface RunOptions {
  scopes?: string[];
  scheme?: string;
  config?: Record<string, unknown>;
  signal?: AbortSignal;
  /** Token requests through the guard that refuses loopback. */
  fetch?: "strict";
  addSecret?: (value: string) => void;
}

/** Runs GET /things under one oauth2 requirement, token requests through `guard`, tokens in `tokens`. */
function run(options: RunOptions = {}) {
  const plan = planOf(
    {},
    { securitySchemes: SCHEMES, security: [{ [options.scheme ?? "machine"]: options.scopes ?? [] }] },
  );
  const call = {
    command: "op",
    params: {},
    config: {
      baseUrl: api.server.origin,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      tokenUrl: `${auth.origin}/oauth/token`,
      ...options.config,
    },
    timeoutMs: 10_000,
    signal: options.signal ?? new AbortController().signal,
    ...(options.addSecret ? { addSecret: options.addSecret } : {}),
  };
  return executeOperation(plan, call, {
    send: (url, init) => api.client.request(url, init),
    fetch: options.fetch === "strict" ? strict.fetch : guard.fetch,
    tokens,
  });
}

describe("the client credentials grant", () => {
  it("fetches a token with Basic client auth and the requirement's scopes, and sends it as Bearer", async () => {
    expect(await run({ scopes: ["write", "read", "write"] })).toEqual({
      success: true,
      payload: { ok: true },
    });
    expect(auth.requests).toHaveLength(1);
    const [request] = auth.requests as [SeenRequest];
    expect(request).toMatchObject({ method: "POST", url: "/oauth/token" });
    expect(basicCredentials(request)).toEqual([CLIENT_ID, CLIENT_SECRET]);
    const form = new URLSearchParams(request.body);
    expect(form.get("grant_type")).toBe("client_credentials");
    expect(form.get("scope")).toBe("read write");
    expect(form.get("client_secret")).toBeNull();
    expect(api.last().headers.authorization).toBe("Bearer tok-1");
  });

  it("tells the caller the token it fetched, so the execution scrubs it from what it returns", async () => {
    const learnt: string[] = [];
    await run({ addSecret: (value) => learnt.push(value) });
    expect(learnt).toEqual(["tok-1"]);
  });

  it("requests no scope when the requirement lists none", async () => {
    await run();
    expect(new URLSearchParams(auth.requests[0]?.body).has("scope")).toBe(false);
  });

  it("prefers the connection's access token and then asks the token endpoint nothing", async () => {
    await run({ scheme: "both", config: { accessToken: "at-user" } });
    expect(api.last().headers.authorization).toBe("Bearer at-user");
    expect(auth.requests).toHaveLength(0);
  });

  it("sends the token request through the egress policy it is given (loopback refused)", async () => {
    const connections = auth.connections;
    const result = await run({ fetch: "strict" });
    expect(result).toMatchObject({ success: false, errorCode: "EGRESS_REFUSED" });
    expect(auth.connections).toBe(connections);
    expect(api.server.requests).toHaveLength(0);
  });
});

describe("caching", () => {
  it("reuses the token: two calls, one token request", async () => {
    await run({ scopes: ["read"] });
    await run({ scopes: ["read"] });
    expect(auth.requests).toHaveLength(1);
    expect(api.server.requests.map((r) => r.headers.authorization)).toEqual(["Bearer tok-1", "Bearer tok-1"]);
  });

  it("keeps separate tokens per scope set and per secret", async () => {
    tokenAnswer = (res) => {
      issued++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ access_token: `tok-${issued}`, token_type: "bearer" }));
    };
    await run({ scopes: ["read"] });
    await run({ scopes: ["read", "write"] });
    await run({ scopes: ["read"], config: { clientSecret: "rotated" } });
    await run({ scopes: ["read"] });
    expect(auth.requests).toHaveLength(3);
  });

  it("fetches a new token 30 s before expires_in runs out", async () => {
    tokenAnswer = issue({ expires_in: 120 });
    await run();
    clock = 89_999;
    await run();
    expect(auth.requests).toHaveLength(1);
    clock = 90_000;
    await run();
    expect(auth.requests).toHaveLength(2);
    expect(api.server.requests.at(-1)?.headers.authorization).toBe("Bearer tok-2");
  });

  it("keeps a token without expires_in for 5 minutes", async () => {
    tokenAnswer = issue({});
    await run();
    clock = 299_999;
    await run();
    expect(auth.requests).toHaveLength(1);
    clock = 300_000;
    await run();
    expect(auth.requests).toHaveLength(2);
  });

  it("shares one token request between concurrent calls", async () => {
    const results = await Promise.all([run(), run(), run()]);
    expect(results.every((r) => r.success)).toBe(true);
    expect(auth.requests).toHaveLength(1);
    expect(new Set(api.server.requests.map((r) => r.headers.authorization))).toEqual(
      new Set(["Bearer tok-1"]),
    );
  });

  it("stops an aborted caller's wait without cancelling the request others share", async () => {
    let answerHeld!: () => void;
    const arrived = new Promise<void>((arrive) => {
      tokenAnswer = (res, seen) => {
        answerHeld = () => issue()(res, seen);
        arrive();
      };
    });
    const controller = new AbortController();
    const gaveUp = run({ signal: controller.signal });
    await arrived;
    controller.abort(new Error("caller gave up"));
    await expect(gaveUp).rejects.toThrow("caller gave up");
    answerHeld();
    expect(await run()).toMatchObject({ success: true });
    expect(auth.requests).toHaveLength(1);
    expect(api.last().headers.authorization).toBe("Bearer tok-1");
  });

  it("drops the token after the API answers 401, so the next call fetches a new one", async () => {
    await run();
    api.answer = (res) => res.writeHead(401).end();
    expect(await run()).toMatchObject({ success: false, errorCode: "UPSTREAM_HTTP_401" });
    api.reset();
    expect(await run()).toMatchObject({ success: true });
    expect(auth.requests).toHaveLength(2);
    expect(api.last().headers.authorization).toBe("Bearer tok-2");
  });
});

describe("failures", () => {
  it("reports a refused client as UPSTREAM_AUTH_FAILED without the secret or the body, and caches nothing", async () => {
    tokenAnswer = (res) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end('{"error":"invalid_client","error_description":"secret s3cret/with:odd&chars is wrong"}');
    };
    const result = await run({ scopes: ["read"] });
    expect(result).toEqual({
      success: false,
      errorCode: "UPSTREAM_AUTH_FAILED",
      error: "the token endpoint refused the client credentials (invalid_client)",
      diagnostics: { status: 400 },
    });
    expect(JSON.stringify(result)).not.toMatch(/s3cret|is wrong/);
    expect(api.server.requests).toHaveLength(0);
    await run({ scopes: ["read"] });
    expect(auth.requests).toHaveLength(2);
  });

  it("checks the client: a wrong secret is refused by the endpoint", async () => {
    expect(await run({ config: { clientSecret: "wrong" } })).toMatchObject({
      errorCode: "UPSTREAM_AUTH_FAILED",
      diagnostics: { status: 401 },
    });
  });

  it.each([
    [503, "UPSTREAM_UNAVAILABLE"],
    [429, "UPSTREAM_RATE_LIMITED"],
  ])("reports HTTP %i from the token endpoint as %s", async (status, errorCode) => {
    tokenAnswer = (res) => res.writeHead(status, { "content-type": "text/plain" }).end("busy");
    expect(await run()).toMatchObject({ success: false, errorCode, diagnostics: { status } });
  });

  it("reports an answer without an access token as unusable, never quoting it", async () => {
    tokenAnswer = (res) =>
      res.writeHead(200, { "content-type": "application/json" }).end('{"token_type":"bearer","note":"x"}');
    const result = await run();
    expect(result).toMatchObject({
      success: false,
      errorCode: "UPSTREAM_AUTH_FAILED",
      diagnostics: { status: 200 },
    });
    expect(result.error).toMatch(/^the token endpoint answered an unusable token response \(/);
  });

  it("reports an unreachable token endpoint as NETWORK", async () => {
    const gone = await startLoopbackServer("127.0.0.1", () => undefined);
    await gone.close();
    const result = await run({ config: { tokenUrl: `${gone.origin}/token` } });
    expect(result).toMatchObject({ success: false, errorCode: "NETWORK" });
    expect(api.server.requests).toHaveLength(0);
  });

  it("needs an https token URL off loopback, asking nothing", async () => {
    const result = await run({ config: { tokenUrl: "http://auth.example.com/token" } });
    expect(result).toEqual({
      success: false,
      errorCode: "MISSING_CREDENTIALS",
      error: "the connection lacks credentials for op: it needs tokenUrl (an https URL)",
    });
    expect(auth.requests).toHaveLength(0);
  });

  it("names the client fields a client credentials scheme lacks", async () => {
    const result = await run({ config: { clientId: "", clientSecret: undefined } });
    expect(result).toMatchObject({
      errorCode: "MISSING_CREDENTIALS",
      error: "the connection lacks credentials for op: it needs clientId and clientSecret",
    });
  });

  it("keeps MISSING_CREDENTIALS for a scheme without a client credentials flow", async () => {
    const result = await run({ scheme: "userOnly" });
    expect(result).toMatchObject({
      errorCode: "MISSING_CREDENTIALS",
      error: "the connection lacks credentials for op: it needs accessToken (connect the account)",
    });
    expect(auth.requests).toHaveLength(0);
  });
});
