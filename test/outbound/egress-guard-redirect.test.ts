import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundClient } from "../../src/outbound/index.ts";

// The egress guard's fetch is handed to OAuth, description and external-connector callers. A redirect to
// an IP literal never reaches the pinned lookup, so were the guard to follow it, a 302 from an allowed
// host would reach an address the allow-list refuses, whatever redirect mode the caller asked for.
describe("the egress guard's fetch never follows a redirect itself", () => {
  const hits: string[] = [];
  const servers: Server[] = [];
  let start = "";
  const listen = async (host: string, handler: Parameters<typeof createServer>[1]): Promise<number> => {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return (server.address() as AddressInfo).port;
  };

  beforeAll(async () => {
    const inner = await listen("127.0.0.2", (req, res) => {
      hits.push(req.url ?? "");
      res.end("internal");
    });
    const outer = await listen("127.0.0.1", (_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.2:${inner}/secret` }).end();
    });
    start = `http://127.0.0.1:${outer}/start`;
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it.each([
    ["no redirect mode", {}],
    ["redirect: follow", { redirect: "follow" as const }],
  ])("with %s, answers the 302 and reaches nothing the policy refuses", async (_, init) => {
    const client = createOutboundClient({ allow: ["127.0.0.1/32"] });
    try {
      const answer = await client.guard.fetch(start, init);
      expect(answer.status).toBe(302);
      expect(answer.headers.get("location")).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/secret$/);
    } finally {
      await client.close();
    }
    expect(hits).toEqual([]);
  });
  it("with redirect: error, fails the fetch", async () => {
    const client = createOutboundClient({ allow: ["127.0.0.1/32"] });
    try {
      await expect(client.guard.fetch(start, { redirect: "error" })).rejects.toThrow();
    } finally {
      await client.close();
    }
    expect(hits).toEqual([]);
  });
});
