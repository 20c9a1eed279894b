import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentMessage,
  AgentMessageSchema,
  AgentService,
  RequestFailed_Reason,
  type ServerMessage,
} from "../../gen/patchbay/agent/v1/agent_pb.ts";
import { AgentError, type AgentRequest, createAgentHub } from "../../src/agents/index.ts";
import { createMessageQueue, type MessageQueue } from "../../src/agents/message-queue.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The agents' stream over the wire (gRPC and the Connect protocol on HTTP/2), with a real client playing
// the agent: pool binding, the hub's requests and the agent's answers (whole, chunked, failed), agents
// leaving mid-request, tenancy, and revocation.

const request = (over: Partial<AgentRequest> = {}): AgentRequest => ({
  method: "GET",
  url: "http://127.0.0.2:8080/items",
  headers: [["accept", "application/json"]],
  body: new Uint8Array(),
  deadlineMs: 30_000,
  idempotent: true,
  connector: "http",
  ...over,
});

type AgentMessageInit = MessageInitShape<typeof AgentMessageSchema>;

/** A client playing an agent: what it sends, and what it is told, as they come. */
interface FakeAgent {
  readonly outbox: MessageQueue<AgentMessage>;
  next(): Promise<ServerMessage>;
  /** The stream's end: undefined when it ended cleanly, else the error. */
  readonly ended: Promise<ConnectError | undefined>;
}

describe("AgentService.Connect over the wire", () => {
  let t: TestServer;
  const transports = {
    grpc: () => createGrpcTransport({ baseUrl: t.url }),
    connect: () => createConnectTransport({ baseUrl: t.url, httpVersion: "2" }),
  };
  const agentKey = async (pool: string, tenantId = "default") =>
    (
      await t.server.keys.create({
        tenantId,
        subject: `agent-${pool}`,
        name: "agent",
        scopes: ["agent"],
        agentPool: pool,
      })
    ).key;

  function agent(
    key: string,
    first: AgentMessageInit | null,
    via: keyof typeof transports = "grpc",
  ): FakeAgent {
    const client = createClient(AgentService, transports[via]());
    const outbox = createMessageQueue<AgentMessage>();
    if (first !== null) outbox.push(create(AgentMessageSchema, first));
    const stream = client
      .connect(outbox, { headers: { authorization: `Bearer ${key}` } })
      [Symbol.asyncIterator]();
    const received: ServerMessage[] = [];
    const waiters: ((m: ServerMessage) => void)[] = [];
    const ended = (async () => {
      try {
        for (let n = await stream.next(); n.done !== true; n = await stream.next()) {
          // Heartbeats are not what the tests wait for.
          if (n.value.kind.case === "heartbeat") continue;
          const waiter = waiters.shift();
          if (waiter) waiter(n.value);
          else received.push(n.value);
        }
        return undefined;
      } catch (error) {
        return ConnectError.from(error);
      }
    })();
    return {
      outbox,
      ended,
      next: () => {
        const m = received.shift();
        return m !== undefined ? Promise.resolve(m) : new Promise((resolve) => waiters.push(resolve));
      },
    };
  }
  const hello = (pool: string, over: object = {}): AgentMessageInit => ({
    kind: {
      case: "hello",
      value: { agentId: "agent-1", name: "test agent", version: "0", pool, capacity: 4, ...over },
    },
  });
  const refusal = async (error: unknown) => {
    expect(error).toBeInstanceOf(AgentError);
    return (error as AgentError).code;
  };

  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  for (const via of ["grpc", "connect"] as const) {
    it(`welcomes an agent of the key's pool and carries a request and its chunked answer (${via})`, async () => {
      const pool = `dc-${via}`;
      const a = agent(await agentKey(pool), hello(pool), via);
      const welcome = await a.next();
      expect(welcome.kind.case).toBe("welcome");
      expect(t.server.agents.list("default").map((x) => x.pool)).toContain(pool);

      const answer = t.server.agents.send(
        "default",
        pool,
        request({ method: "POST", body: new TextEncoder().encode("{}") }),
      );
      const sent = await a.next();
      expect(sent.kind.case).toBe("request");
      if (sent.kind.case !== "request") return;
      expect(sent.kind.value).toMatchObject({
        method: "POST",
        url: "http://127.0.0.2:8080/items",
        connector: "http",
      });
      const id = sent.kind.value.id;
      a.outbox.push(
        create(AgentMessageSchema, {
          kind: {
            case: "responseHead",
            value: {
              requestId: id,
              status: 201,
              headers: [{ name: "content-type", value: "application/json" }],
              body: new TextEncoder().encode('{"a":'),
            },
          },
        }),
      );
      a.outbox.push(
        create(AgentMessageSchema, {
          kind: {
            case: "responseBody",
            value: { requestId: id, data: new TextEncoder().encode("1}"), end: true },
          },
        }),
      );
      const got = await answer;
      expect(got.status).toBe(201);
      expect(new TextDecoder().decode(got.body)).toBe('{"a":1}');
      expect(got.headers).toEqual([["content-type", "application/json"]]);
      a.outbox.end();
      expect(await a.ended).toBeUndefined();
    });
  }

  it("maps the agent's refusal, its leaving mid-request, and no agent at all to their codes", async () => {
    const a = agent(await agentKey("dc-fail"), hello("dc-fail"));
    expect((await a.next()).kind.case).toBe("welcome");
    const refused = t.server.agents.send("default", "dc-fail", request());
    const first = await a.next();
    if (first.kind.case !== "request") throw new Error("expected a request");
    a.outbox.push(
      create(AgentMessageSchema, {
        kind: {
          case: "requestFailed",
          value: {
            requestId: first.kind.value.id,
            reason: RequestFailed_Reason.EGRESS_REFUSED,
            message: "not allowed",
          },
        },
      }),
    );
    expect(await refusal(await refused.catch((e: unknown) => e))).toBe("AGENT_EGRESS_REFUSED");

    const left = t.server.agents.send("default", "dc-fail", request());
    expect((await a.next()).kind.case).toBe("request");
    a.outbox.end();
    expect(await refusal(await left.catch((e: unknown) => e))).toBe("AGENT_DISCONNECTED");
    await a.ended;
    expect(
      await refusal(await t.server.agents.send("default", "dc-fail", request()).catch((e: unknown) => e)),
    ).toBe("AGENT_UNAVAILABLE");
  });

  it("serves a pool only within its tenant, and only the pool its key is bound to (attacker side)", async () => {
    const other = agent(await agentKey("dc-shared", "other-tenant"), hello("dc-shared"));
    expect((await other.next()).kind.case).toBe("welcome");
    // Another tenant's agent of the same pool name never gets this tenant's requests.
    expect(
      await refusal(await t.server.agents.send("default", "dc-shared", request()).catch((e: unknown) => e)),
    ).toBe("AGENT_UNAVAILABLE");
    expect(t.server.agents.list("default").some((x) => x.pool === "dc-shared")).toBe(false);
    other.outbox.end();
    await other.ended;

    const wrongPool = agent(await agentKey("dc-a"), hello("dc-b"));
    expect((await wrongPool.ended)?.code).toBe(Code.PermissionDenied);
    const adminAgent = agent(t.adminKey, hello("dc-a"));
    expect((await adminAgent.ended)?.code).toBe(Code.PermissionDenied);
    const plain = await t.createKey(["execute"]);
    expect((await agent(plain, hello("dc-a")).ended)?.code).toBe(Code.PermissionDenied);
    const noHello = agent(await agentKey("dc-a"), { kind: { case: "heartbeat", value: { inFlight: 0 } } });
    expect((await noHello.ended)?.code).toBe(Code.InvalidArgument);
    const badId = agent(await agentKey("dc-a"), hello("dc-a", { agentId: "" }));
    const badIdError = await badId.ended;
    expect(badIdError?.code).toBe(Code.InvalidArgument);
    expect(badIdError?.rawMessage).toContain("hello.agent_id");
  });

  it("holds a tenant to its share of the replica's agent streams, whatever its keys, while another tenant connects (attacker side)", async () => {
    // The build's limits (docs/agent.md): 64 streams per key, 100 per tenant.
    const perKey = 64;
    const share = 100;
    const attackerAdmin = await t.createKey(["admin"], "mallory", "tenant-b");
    const mint = async (name: string) => {
      const res = await fetch(`${t.url}/api/v1/api-keys`, {
        method: "POST",
        headers: { authorization: `Bearer ${attackerAdmin}`, "content-type": "application/json" },
        body: JSON.stringify({ subject: name, name, scopes: ["agent"], agentPool: "dc-b" }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { key: string }).key;
    };
    /** Welcomed, or the error that ended the stream. */
    const outcome = (a: FakeAgent) =>
      Promise.race([a.next().then((m) => m.kind.case), a.ended.then((e) => e ?? "ended")]);
    const held: FakeAgent[] = [];
    const connect = async (key: string, n: number) => {
      const agents = Array.from({ length: n }, (_, i) => agent(key, hello("dc-b", { agentId: `bot-${i}` })));
      held.push(...agents);
      return Promise.all(agents.map(outcome));
    };
    try {
      const [first, second] = [await mint("bot-1"), await mint("bot-2")];
      expect(await connect(first, perKey)).toEqual(Array(perKey).fill("welcome"));
      const pastKey = (await connect(first, 1))[0];
      expect(pastKey).toBeInstanceOf(ConnectError);
      expect((pastKey as ConnectError).code).toBe(Code.ResourceExhausted);
      expect((pastKey as ConnectError).rawMessage).toContain("agent key");
      expect(await connect(second, share - perKey)).toEqual(Array(share - perKey).fill("welcome"));

      // A key of the same tenant within its own limit is refused: the tenant holds its share.
      const pastShare = (await connect(second, 1))[0];
      expect(pastShare).toBeInstanceOf(ConnectError);
      expect((pastShare as ConnectError).code).toBe(Code.ResourceExhausted);
      expect((pastShare as ConnectError).rawMessage).toContain("tenant");
      expect(t.server.agents.list("tenant-b").length).toBe(share);

      // Another tenant's agent is welcomed.
      const theirs = agent(await agentKey("dc-a", "tenant-a"), hello("dc-a"));
      held.push(theirs);
      expect(await outcome(theirs)).toBe("welcome");
    } finally {
      for (const a of held) a.outbox.end();
      await Promise.all(held.map((a) => a.ended));
    }
  }, 120_000);

  it("sends each request to the agent with the fewest in flight, within capacity", async () => {
    const key = await agentKey("dc-two");
    const one = agent(key, hello("dc-two", { agentId: "one", capacity: 1 }));
    const two = agent(key, hello("dc-two", { agentId: "two", capacity: 1 }));
    expect((await one.next()).kind.case).toBe("welcome");
    expect((await two.next()).kind.case).toBe("welcome");
    const first = t.server.agents.send("default", "dc-two", request());
    const second = t.server.agents.send("default", "dc-two", request());
    const [a, b] = await Promise.all([one.next(), two.next()]);
    expect(a.kind.case).toBe("request");
    expect(b.kind.case).toBe("request");
    // Both are full: a third finds no room.
    expect(
      await refusal(await t.server.agents.send("default", "dc-two", request()).catch((e: unknown) => e)),
    ).toBe("AGENT_UNAVAILABLE");
    for (const [who, sent] of [
      [one, a],
      [two, b],
    ] as const) {
      if (sent.kind.case !== "request") continue;
      who.outbox.push(
        create(AgentMessageSchema, {
          kind: { case: "responseHead", value: { requestId: sent.kind.value.id, status: 204, end: true } },
        }),
      );
    }
    expect((await first).status).toBe(204);
    expect((await second).status).toBe(204);
    one.outbox.end();
    two.outbox.end();
  });

  it("ends an agent's stream when its key is revoked", async () => {
    const key = await agentKey("dc-revoked");
    const a = agent(key, hello("dc-revoked"));
    expect((await a.next()).kind.case).toBe("welcome");
    await t.revokeKey(key);
    // Within the key check's period (seconds); the test waits for the event, not a time.
    await a.ended;
    await expect
      .poll(() => t.server.agents.list("default").some((x) => x.pool === "dc-revoked"), { timeout: 30_000 })
      .toBe(false);
  }, 60_000);
});

describe("agent streams and the key's in-flight limit", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer("postgresql", { PATCHBAY_CONCURRENCY_LIMITS: "standard=1" });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("holds no in-flight place: a key limited to one call keeps two agents connected", async () => {
    const { key } = await t.server.keys.create({
      tenantId: "default",
      subject: "agents",
      name: "agent",
      scopes: ["agent"],
      agentPool: "dc-1",
    });
    const open = (agentId: string) => {
      const client = createClient(AgentService, createGrpcTransport({ baseUrl: t.url }));
      const outbox = createMessageQueue<AgentMessage>();
      outbox.push(
        create(AgentMessageSchema, {
          kind: { case: "hello", value: { agentId, name: agentId, version: "0", pool: "dc-1", capacity: 1 } },
        }),
      );
      const stream = client
        .connect(outbox, { headers: { authorization: `Bearer ${key}` } })
        [Symbol.asyncIterator]();
      return { outbox, first: stream.next() };
    };
    const one = open("one");
    const two = open("two");
    expect((await one.first).value?.kind.case).toBe("welcome");
    expect((await two.first).value?.kind.case).toBe("welcome");
    expect(
      t.server.agents
        .list("default")
        .map((a) => a.agentId)
        .sort(),
    ).toEqual(["one", "two"]);
    one.outbox.end();
    two.outbox.end();
  });
});

describe("the agent hub's stream limits", () => {
  const stream = {
    keyId: "k",
    tenantId: "t",
    pool: "p",
    agentId: "a",
    name: "a",
    version: "0",
    connectors: [],
    capacity: 1,
    send: () => undefined,
  };

  it("refuses a key's stream past its limit and takes it again once one has left", () => {
    const hub = createAgentHub({
      maxResponseBodyBytes: 1024,
      streamLimits: { perKey: 1, perTenant: 10, total: 10 },
      now: () => new Date(),
    });
    const first = hub.attach(stream);
    expect(typeof first).toBe("object");
    expect(hub.attach(stream)).toBe("perKey");
    expect(typeof hub.attach({ ...stream, keyId: "other" })).toBe("object");
    if (typeof first === "object") first.closed();
    expect(typeof hub.attach(stream)).toBe("object");
  });

  it("holds a tenant to its share whatever its keys, and the process to its total", () => {
    const hub = createAgentHub({
      maxResponseBodyBytes: 1024,
      streamLimits: { perKey: 4, perTenant: 2, total: 3 },
      now: () => new Date(),
    });
    const first = hub.attach({ ...stream, keyId: "k1" });
    expect(typeof first).toBe("object");
    expect(typeof hub.attach({ ...stream, keyId: "k2" })).toBe("object");
    expect(hub.attach({ ...stream, keyId: "k3" })).toBe("perTenant");
    expect(typeof hub.attach({ ...stream, keyId: "u1", tenantId: "u" })).toBe("object");
    expect(hub.attach({ ...stream, keyId: "v1", tenantId: "v" })).toBe("total");
    if (typeof first === "object") first.closed();
    expect(typeof hub.attach({ ...stream, keyId: "v1", tenantId: "v" })).toBe("object");
    expect(hub.list().length).toBe(3);
  });
});
