import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentMessage, AgentService } from "../../gen/patchbay/agent/v1/agent_pb.ts";
import { createMessageQueue } from "../../src/agents/message-queue.ts";
import { hostileAgent } from "../support/hostile-agent.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The attack: a hostile agent opens AgentService.Connect streams and never sends its Hello. Such streams
// must neither be held forever (the silence rule and the key checks begin with the Welcome) nor escape
// the per-key, per-tenant and total stream limits while they wait.

describe("agent streams that never say Hello", () => {
  let t: TestServer;
  const agentKey = async (tenantId: string, pool: string) =>
    (
      await t.server.keys.create({
        tenantId,
        subject: `${tenantId}-agent`,
        name: "agent",
        scopes: ["agent"],
        agentPool: pool,
      })
    ).key;
  /** Opens a stream with `key` that sends nothing; resolves to how it ended. */
  const silentStream = (key: string, signal: AbortSignal) => {
    const client = createClient(AgentService, createGrpcTransport({ baseUrl: t.url }));
    const outbox = createMessageQueue<AgentMessage>(); // never pushed to: no Hello, ever
    const stream = client.connect(outbox, { headers: { authorization: `Bearer ${key}` }, signal });
    return (async () => {
      try {
        for await (const _ of stream);
        return undefined;
      } catch (error) {
        return ConnectError.from(error);
      }
    })();
  };

  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("are ended with DEADLINE_EXCEEDED instead of held forever", async () => {
    const key = await agentKey("tenant-x", "dc-x");
    const controller = new AbortController();
    try {
      const ends = await Promise.all([1, 2, 3].map(() => silentStream(key, controller.signal)));
      expect(ends.map((e) => e?.code)).toEqual([
        Code.DeadlineExceeded,
        Code.DeadlineExceeded,
        Code.DeadlineExceeded,
      ]);
      expect(ends[0]?.rawMessage).toContain("no hello");
    } finally {
      controller.abort();
    }
  }, 60_000);

  it("take the key's places while they wait: the next stream of the key is refused", async () => {
    const key = await agentKey("tenant-y", "dc-y");
    const controller = new AbortController();
    try {
      let refusal: ConnectError | undefined;
      let silent: Promise<unknown>[] = [];
      // A round counts only while none of its silent streams has ended: on a machine so slow that they
      // reach their Hello deadline first, their places are free again, and the round is run again.
      for (let round = 0; round < 5 && refusal === undefined; round++) {
        const roundAbort = new AbortController();
        const cut = AbortSignal.any([controller.signal, roundAbort.signal]);
        let ended = 0;
        // As many as one key may hold on a replica.
        silent = Array.from({ length: 64 }, () =>
          silentStream(key, cut).finally(() => {
            ended++;
          }),
        );
        // The server takes the silent streams as they arrive: try again until it has taken all 64.
        for (let attempt = 0; attempt < 200 && refusal === undefined && ended === 0; attempt++) {
          const agent = hostileAgent(t.url, key, "dc-y");
          const first = await agent.welcomed;
          agent.outbox.end();
          if (first instanceof ConnectError && ended === 0) refusal = first;
          else {
            await agent.ended;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        if (refusal === undefined) {
          roundAbort.abort();
          await Promise.all(silent);
        }
      }
      expect(refusal?.code).toBe(Code.ResourceExhausted);
      expect(refusal?.rawMessage).toContain("agent key holds as many streams");
      // Once they are cut off, the key's places are free again.
      controller.abort();
      await Promise.all(silent);
      let welcomed = false;
      for (let attempt = 0; attempt < 200 && !welcomed; attempt++) {
        const agent = hostileAgent(t.url, key, "dc-y");
        welcomed = !((await agent.welcomed) instanceof ConnectError);
        agent.outbox.end();
        await agent.ended;
        if (!welcomed) await new Promise((r) => setTimeout(r, 50));
      }
      expect(welcomed).toBe(true);
    } finally {
      controller.abort();
    }
  }, 300_000);
});
