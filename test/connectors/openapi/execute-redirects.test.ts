import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { executeOperation, type SecurityBinding } from "../../../src/connectors/openapi/index.ts";
import { createOutboundClient } from "../../../src/outbound/index.ts";
import { type LoopbackServer, startLoopbackServer } from "../../outbound/loopback-server.ts";
import { ioOf, planOf } from "./execute-harness.ts";

// Only loopback traffic: the API on 127.0.0.1 redirects to another origin on 127.0.0.2.

const SCHEMES: Record<string, SecurityBinding> = {
  headerKey: { type: "apiKey", in: "header", name: "X-API-Key", field: "headerKey" },
  bearer: { type: "bearer", field: "bearerToken" },
};

let api: LoopbackServer;
let other: LoopbackServer;
const client = createOutboundClient({ allow: ["127.0.0.0/8"] });

beforeAll(async () => {
  other = await startLoopbackServer("127.0.0.2", (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
  api = await startLoopbackServer("127.0.0.1", (req, res) => {
    if (req.url === "/things") res.writeHead(302, { location: `${other.origin}/stolen` }).end();
    else if (req.url === "/things/same") res.writeHead(302, { location: "/landed" }).end();
    else res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
});
afterAll(async () => {
  await client.close();
  await Promise.all([api.close(), other.close()]);
});
beforeEach(() => {
  api.requests.length = 0;
  other.requests.length = 0;
});

function run(path: string, security: Array<Record<string, string[]>>, config: Record<string, unknown>) {
  return executeOperation(
    planOf({ path }, { securitySchemes: SCHEMES, security }),
    {
      command: "op",
      params: {},
      config: { baseUrl: api.origin, ...config },
      timeoutMs: 10_000,
      signal: new AbortController().signal,
    },
    ioOf(client),
  );
}

describe("redirects", () => {
  it("does not send an API key header on to another origin", async () => {
    const result = await run("/things", [{ headerKey: [] }], { headerKey: "k-live" });
    expect(result).toEqual({ success: true, payload: { ok: true } });
    expect(api.requests[0]?.headers["x-api-key"]).toBe("k-live");
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]?.url).toBe("/stolen");
    expect(other.requests[0]?.headers["x-api-key"]).toBeUndefined();
  });

  it("does not send a bearer token on to another origin", async () => {
    await run("/things", [{ bearer: [] }], { bearerToken: "b-live" });
    expect(api.requests[0]?.headers.authorization).toBe("Bearer b-live");
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("keeps the API key on a redirect within the API's origin", async () => {
    await run("/things/same", [{ headerKey: [] }], { headerKey: "k-live" });
    expect(api.requests.map((seen) => [seen.url, seen.headers["x-api-key"]])).toEqual([
      ["/things/same", "k-live"],
      ["/landed", "k-live"],
    ]);
  });
});
