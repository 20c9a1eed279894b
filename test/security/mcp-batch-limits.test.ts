// Security review (r3): one POST /mcp may carry a JSON-RPC batch of up to 100 messages, which the SDK
// runs side by side, each tool call an Execute. Counted as one request, a batch let a key limited to a few
// calls a minute, or one call at a time, run fifty at once. A batch must cost what its messages cost sent
// one by one (docs/overload.md: one count covers everything done with a key), or be refused whole with the
// answer a single request over the limit gets, running none of it. Outcomes only, no timings.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postMcp } from "../support/mcp-wire.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const RATE_LIMIT = 6;
const IN_FLIGHT_LIMIT = 4;

/** A JSON-RPC batch of `size` calls of one tool. */
function batch(size: number, name: string, args: Record<string, unknown>): string {
  return JSON.stringify(
    Array.from({ length: size }, (_, i) => ({
      jsonrpc: "2.0",
      id: i + 1,
      method: "tools/call",
      params: { name, arguments: args },
    })),
  );
}

/** The answers of a batch that are tool results without `isError`. */
function succeeded(text: string): number {
  const parsed: unknown = JSON.parse(text);
  const answers = Array.isArray(parsed) ? parsed : [parsed];
  return answers.filter((answer: { result?: { isError?: boolean } }) => {
    return answer.result !== undefined && answer.result.isError !== true;
  }).length;
}

describe("MCP batches and the key's limits", () => {
  let t: TestServer;
  // An upstream that holds every request until the test releases them all, so the test knows how many of
  // a batch's calls are running at once.
  let upstream: Server;
  const held: ServerResponse[] = [];
  let arrivals: (count: number) => void = () => undefined;

  beforeAll(async () => {
    upstream = createServer((_req, res) => {
      held.push(res);
      arrivals(held.length);
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    t = await startTestServer("postgresql", {
      PATCHBAY_RATE_LIMITS: `standard=${RATE_LIMIT}/1h`,
      PATCHBAY_CONCURRENCY_LIMITS: `standard=${IN_FLIGHT_LIMIT}`,
    });
  });
  afterAll(async () => {
    await t?.stop();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it("refuses whole a batch of more tool calls than the key may have in flight, running none", async () => {
    const key = await t.createKey(["mcp", "execute"], "batch-places", "tenant-batch");
    const refused = await postMcp(t.url, key, batch(IN_FLIGHT_LIMIT + 1, "echo_echo", { message: "hi" }));
    expect(refused.status).toBe(429);
    // The body a single request over the limit gets: no JSON-RPC answer, so no call ran.
    expect(JSON.parse(refused.text)).toEqual({
      code: "resource_exhausted",
      message: `too many calls in flight for this API key (at most ${IN_FLIGHT_LIMIT} at once): retry when one has finished`,
    });
    // A batch that fits the key's places runs all its calls.
    const fits = await postMcp(t.url, key, batch(IN_FLIGHT_LIMIT, "echo_echo", { message: "hi" }));
    expect(fits.status).toBe(200);
    expect(succeeded(fits.text)).toBe(IN_FLIGHT_LIMIT);
  });

  it("counts every message of a batch against the rate limit and refuses a batch that does not fit", async () => {
    const key = await t.createKey(["mcp", "execute"], "batch-rate", "tenant-batch");
    // Raw POSTs, as a client that writes batches (the SDK's own posts one message at a time).
    const first = await postMcp(t.url, key, batch(IN_FLIGHT_LIMIT, "echo_echo", { message: "hi" }));
    expect(first.status).toBe(200);
    expect(succeeded(first.text)).toBe(IN_FLIGHT_LIMIT);
    expect(first.headers.get("x-ratelimit-remaining")).toBe(String(RATE_LIMIT - IN_FLIGHT_LIMIT));
    // Three more calls do not fit the two left: the whole batch is refused as one request over the limit is.
    const res = await postMcp(t.url, key, batch(3, "echo_echo", { message: "hi" }));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
    const body = JSON.parse(res.text) as { code: string; message: string };
    expect(body.code).toBe("resource_exhausted");
    expect(body.message).toMatch(/^rate limit exceeded: retry after \d+ s$/);
  });

  it("holds a place per running call of a batch: while they run, the key's next request is refused", async () => {
    const key = await t.createKey(["mcp", "execute"], "batch-held", "tenant-batch");
    const { port } = upstream.address() as AddressInfo;
    const allArrived = new Promise<void>((resolve) => {
      arrivals = (count) => {
        if (count === IN_FLIGHT_LIMIT) resolve();
      };
    });
    const running = postMcp(
      t.url,
      key,
      batch(IN_FLIGHT_LIMIT, "http_request", { url: `http://127.0.0.1:${port}/hold`, method: "GET" }),
    );
    // Every call of the batch has reached the upstream: they run side by side, each in a place of its own.
    await allArrived;
    const next = await postMcp(
      t.url,
      key,
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
    );
    expect(next.status).toBe(429);
    expect((JSON.parse(next.text) as { message: string }).message).toContain("too many calls in flight");
    for (const res of held.splice(0)) res.end("released");
    const answered = await running;
    expect(answered.status).toBe(200);
    expect(succeeded(answered.text)).toBe(IN_FLIGHT_LIMIT);
  });
});
