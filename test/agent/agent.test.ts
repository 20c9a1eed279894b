import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AgentMessage, RequestFailed_Reason } from "../../gen/patchbay/agent/v1/agent_pb.ts";
import { type AgentHandle, parseAgentConfig, startAgent } from "../../src/agent/index.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { LogCapture } from "../support/log-capture.ts";
import { startConnectProxy } from "./connect-proxy.ts";
import { type FakePatchbay, type FakeStream, startFakePatchbay } from "./fake-patchbay.ts";
import { startUpstream, type Upstream } from "./upstream.ts";

const KEY = "pb_agentkey_0123456789abcdef";
const SECRET_HEADER = "Bearer upstream-secret-4242";
const SECRET_BODY = "body-secret-7777";
const SECRET_QUERY = "query-secret-9999";

/** Polls `probe` every 25 ms for up to two minutes (a loaded machine is slow, never wrong). */
async function until<T>(probe: () => T | undefined | false, what: string): Promise<T> {
  for (let i = 0; i < 4_800; i++) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    await sleep(25);
  }
  throw new Error(`gave up waiting for ${what}`);
}

let inside: Upstream; // 127.0.0.2: what the agent may reach
let outside: Upstream; // 127.0.0.1: what it may not
const running: { agent: AgentHandle; patchbay: FakePatchbay }[] = [];

beforeAll(async () => {
  inside = await startUpstream("127.0.0.2");
  outside = await startUpstream("127.0.0.1");
});
afterAll(async () => {
  await inside.close();
  await outside.close();
});
afterEach(async () => {
  for (const { agent, patchbay } of running.splice(0)) {
    for (const held of [...inside.held.splice(0), ...outside.held.splice(0)]) held.end();
    await agent.stop();
    await patchbay.close();
  }
});

interface Started {
  agent: AgentHandle;
  patchbay: FakePatchbay;
  logs: LogCapture;
  stream: FakeStream;
}

async function start(
  flags: { allow?: string[]; connector?: string[]; capacity?: string; healthPort?: string } = {},
  server: Parameters<typeof startFakePatchbay>[0] = {},
  resolve?: (name: string) => Promise<{ address: string; family: number }[]>,
  refusals: ConnectError[] = [],
  env: Record<string, string> = {},
): Promise<Started> {
  const patchbay = await startFakePatchbay(server);
  patchbay.refusals.push(...refusals);
  const config = parseAgentConfig(
    {
      url: patchbay.url,
      keyEnv: "KEY",
      pool: "onprem",
      allow: flags.allow ?? ["127.0.0.2/32"],
      connector: flags.connector ?? [],
      capacity: flags.capacity ?? "64",
      id: "agent-1",
      ...(flags.healthPort === undefined ? {} : { healthPort: flags.healthPort }),
    },
    { KEY, ...env },
    "9.9.9",
  );
  const logs = new LogCapture();
  const logger = createLogger({ level: "debug", format: "json", destination: logs.stream });
  const agent = await startAgent(
    { ...config, backoff: { baseMs: 20, capMs: 200 } },
    { logger, ...(resolve === undefined ? {} : { resolve }) },
  );
  running.push({ agent, patchbay });
  const stream = await until(() => patchbay.streams[0], "the first stream");
  if (server.welcome !== false) await until(() => agent.welcomed(), "the welcome");
  return { agent, patchbay, logs, stream };
}

let nextId = 0;
function request(stream: FakeStream, url: string, extra: Record<string, unknown> = {}): string {
  nextId += 1;
  const id = `r${nextId}`;
  stream.send({
    case: "request",
    value: { id, method: "GET", url, headers: [], deadlineMs: 120_000, connector: "http", ...extra },
  });
  return id;
}

function answers(stream: FakeStream, id: string): AgentMessage[] {
  return stream.received.filter((m) => {
    const v = m.kind.value as { requestId?: string } | undefined;
    return v?.requestId === id;
  });
}

/** Waits for the complete answer of a request: its head and chunks up to `end`, or its failure. */
async function answer(stream: FakeStream, id: string) {
  return until(() => {
    const list = answers(stream, id);
    const failed = list.find((m) => m.kind.case === "requestFailed");
    if (failed?.kind.case === "requestFailed") return { failed: failed.kind.value };
    const head = list.find((m) => m.kind.case === "responseHead");
    if (head?.kind.case !== "responseHead") return undefined;
    const chunks = list.flatMap((m) => (m.kind.case === "responseBody" ? [m.kind.value] : []));
    const done = head.kind.value.end || chunks.at(-1)?.end === true;
    if (!done) return undefined;
    const body = Buffer.concat([head.kind.value.body, ...chunks.map((c) => c.data)]);
    return { head: head.kind.value, chunks, body };
  }, `the answer to ${id}`);
}

describe("patchbay agent, in process against a double of Patchbay", () => {
  it("says Hello with its identity and key, and is welcomed", async () => {
    const { stream, agent } = await start({ connector: ["http"], capacity: "7" });
    expect(stream.authorization).toBe(`Bearer ${KEY}`);
    expect(stream.hello).toMatchObject({
      agentId: "agent-1",
      name: "agent-1",
      version: "9.9.9",
      pool: "onprem",
      connectors: ["http"],
      capacity: 7,
    });
    expect(agent.welcomed()).toBe(true);
  });

  it("carries a GET and a POST with its body to an allowed target, and logs none of their secrets", async () => {
    const { stream, logs } = await start();
    const get = await answer(
      stream,
      request(stream, `${inside.url}/echo?token=${SECRET_QUERY}`, {
        headers: [{ name: "authorization", value: SECRET_HEADER }],
      }),
    );
    expect(get.head?.status).toBe(200);
    const headers = get.head?.headers.map(({ name, value }) => `${name}: ${value}`);
    expect(headers).toContain("x-upstream: yes");
    expect(headers?.some((h) => h.startsWith("transfer-encoding") || h.startsWith("connection"))).toBe(false);
    const seen = JSON.parse(String(get.body)) as {
      method: string;
      headers: Record<string, string>;
      query: string;
    };
    expect(seen.method).toBe("GET");
    expect(seen.headers.authorization).toBe(SECRET_HEADER);
    expect(seen.query).toBe(`?token=${SECRET_QUERY}`);

    const post = await answer(
      stream,
      request(stream, `${inside.url}/echo`, {
        method: "POST",
        headers: [{ name: "content-type", value: "text/plain" }],
        body: Buffer.from(SECRET_BODY),
      }),
    );
    expect(JSON.parse(String(post.body))).toMatchObject({ method: "POST", body: SECRET_BODY });
    await until(() => logs.lines().filter((l) => l.msg === "agent request").length === 2, "two request logs");
    const text = logs.text();
    for (const secret of [KEY, SECRET_HEADER, SECRET_BODY, SECRET_QUERY]) expect(text).not.toContain(secret);
    expect(logs.lines().find((l) => l.msg === "agent request")).toMatchObject({
      status: 200,
      connector: "http",
    });
  });

  it("sends a large body as a head and 64 KiB chunks", async () => {
    const { stream } = await start();
    const size = 300_000;
    const big = await answer(stream, request(stream, `${inside.url}/big?bytes=${size}`));
    expect(big.body?.length).toBe(size);
    expect(big.head?.end).toBe(false);
    expect(big.head?.body.length).toBe(64 * 1024);
    expect(big.chunks?.length).toBe(Math.ceil(size / (64 * 1024)) - 1);
    expect(big.chunks?.slice(0, -1).every((c) => c.data.length === 64 * 1024 && !c.end)).toBe(true);
  });

  it("multiplexes many requests at once over the one stream", async () => {
    const { stream } = await start({ capacity: "500" });
    const ids = Array.from({ length: 300 }, (_, i) => request(stream, `${inside.url}/echo?n=${i}`));
    const all = await Promise.all(ids.map((id) => answer(stream, id)));
    expect(all.map((a) => a.head?.status)).toEqual(ids.map(() => 200));
    expect(all.map((a) => (JSON.parse(String(a.body)) as { query: string }).query)).toEqual(
      ids.map((_, i) => `?n=${i}`),
    );
  }, 180_000);

  it("refuses targets outside --allow: another address, another port, a name resolving outside", async () => {
    const names = async (name: string) =>
      name === "inside.test"
        ? [{ address: "127.0.0.2", family: 4 }]
        : name === "rebound.test"
          ? [{ address: "127.0.0.1", family: 4 }]
          : [];
    const { stream } = await start({ allow: [`127.0.0.2/32:${inside.port}`] }, {}, names);
    const refused = async (url: string) => (await answer(stream, request(stream, url))).failed;
    expect(await refused(`${outside.url}/echo`)).toMatchObject({
      reason: RequestFailed_Reason.EGRESS_REFUSED,
    });
    expect(await refused(`http://127.0.0.2:${outside.port}/echo`)).toMatchObject({
      reason: RequestFailed_Reason.EGRESS_REFUSED,
    });
    expect(await refused(`http://rebound.test:${outside.port}/echo`)).toMatchObject({
      reason: RequestFailed_Reason.EGRESS_REFUSED,
    });
    // A name is reached through the address it was checked at.
    const viaName = await answer(stream, request(stream, `http://inside.test:${inside.port}/echo`));
    expect(viaName.head?.status).toBe(200);
    expect(JSON.parse(String(viaName.body)).headers.host).toBe(`inside.test:${inside.port}`);
    expect(outside.closedEarly).toBe(0);
  });

  it("answers REASON_TIMEOUT when the deadline passes, and REASON_TOO_LARGE over the body cap", async () => {
    const { stream } = await start({}, { maxResponseBodyBytes: 50_000 });
    const late = await answer(stream, request(stream, `${inside.url}/never`, { deadlineMs: 100 }));
    expect(late.failed?.reason).toBe(RequestFailed_Reason.TIMEOUT);
    const large = await answer(stream, request(stream, `${inside.url}/big?bytes=200000`));
    expect(large.failed?.reason).toBe(RequestFailed_Reason.TOO_LARGE);
  });

  it("aborts a cancelled request and sends nothing more for it", async () => {
    const { stream } = await start();
    const before = inside.closedEarly;
    const id = request(stream, `${inside.url}/hold`);
    await until(() => inside.held.length === 1, "the held request");
    stream.send({ case: "cancel", value: { requestId: id } });
    await until(() => inside.closedEarly === before + 1, "the upstream connection closed");
    // A later request is answered, and still nothing came for the cancelled one.
    expect((await answer(stream, request(stream, `${inside.url}/echo`))).head?.status).toBe(200);
    expect(answers(stream, id)).toEqual([]);
    inside.held.splice(0);
  });

  it("refuses over capacity (REASON_OVERLOADED), malformed requests (REASON_INVALID) and other connectors (REASON_CONNECTOR_REFUSED)", async () => {
    const { stream } = await start({ capacity: "1", connector: ["http"] });
    const first = request(stream, `${inside.url}/hold`);
    await until(() => inside.held.length === 1, "the held request");
    const second = await answer(stream, request(stream, `${inside.url}/echo`));
    expect(second.failed?.reason).toBe(RequestFailed_Reason.OVERLOADED);
    inside.held.shift()?.end("done");
    expect((await answer(stream, first)).body?.toString()).toBe("done");
    const badHeader = await answer(
      stream,
      request(stream, `${inside.url}/echo`, {
        headers: [{ name: "x-bad", value: "a\r\nb" }],
      }),
    );
    expect(badHeader.failed?.reason).toBe(RequestFailed_Reason.INVALID);
    const badUrl = await answer(stream, request(stream, "file:///etc/passwd"));
    expect(badUrl.failed?.reason).toBe(RequestFailed_Reason.INVALID);
    const other = await answer(stream, request(stream, `${inside.url}/echo`, { connector: "github" }));
    expect(other.failed?.reason).toBe(RequestFailed_Reason.CONNECTOR_REFUSED);
  });

  it("reconnects after Patchbay drops the stream, and after a refusal it logs", async () => {
    const { patchbay, stream, logs, agent } = await start({}, {}, undefined, [
      new ConnectError("key is bound to another pool", Code.PermissionDenied),
    ]);
    expect(logs.lines().find((l) => l.msg === "Patchbay refused the agent; retrying")).toMatchObject({
      code: "PermissionDenied",
      reason: "key is bound to another pool",
    });
    stream.fail(new ConnectError("replica lost", Code.Unavailable));
    await until(() => patchbay.streams.length === 2 && agent.welcomed(), "the second stream");
    const second = patchbay.streams[1] as FakeStream;
    expect((await answer(second, request(second, `${inside.url}/echo`))).head?.status).toBe(200);
    expect(logs.lines().filter((l) => l.msg === "agent stream lost; reconnecting")).toHaveLength(1);
  });

  it("on a server Drain finishes what is in flight, then reconnects", async () => {
    const { patchbay, stream } = await start();
    const held = request(stream, `${inside.url}/hold`);
    await until(() => inside.held.length === 1, "the held request");
    stream.send({ case: "drain", value: {} });
    const refused = await answer(stream, request(stream, `${inside.url}/echo`));
    expect(refused.failed?.reason).toBe(RequestFailed_Reason.OVERLOADED);
    inside.held.shift()?.end("finished");
    expect((await answer(stream, held)).body?.toString()).toBe("finished");
    await until(() => stream.ended, "the drained stream's end");
    await until(() => patchbay.streams.length === 2, "the new stream");
  });

  it("ends a stream that hears nothing for three heartbeat intervals", async () => {
    const { patchbay, stream } = await start({}, { heartbeatIntervalMs: 100, heartbeats: false });
    // This double sends no heartbeats: the agent gives up on the stream and opens another.
    await until(() => stream.received.some((m) => m.kind.case === "heartbeat"), "a heartbeat from the agent");
    await until(() => patchbay.streams.length >= 2, "a new stream after silence");
  });

  it("answers /healthz 200 while welcomed and 503 before", async () => {
    const silent = await start({ healthPort: "0" }, { welcome: false });
    const health = (port: number | undefined) =>
      fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status);
    expect(await health(silent.agent.healthPort)).toBe(503);
    expect(silent.agent.welcomed()).toBe(false);
    const welcomed = await start({ healthPort: "0" });
    expect(await health(welcomed.agent.healthPort)).toBe(200);
  });

  it("goes through HTTP_PROXY, checking the target: names by name only, since the proxy resolves them", async () => {
    const proxy = await startConnectProxy({ "named.test": "127.0.0.2" });
    const names = async () => [{ address: "127.0.0.2", family: 4 }];
    const { stream } = await start({ allow: ["127.0.0.2/32", "named.test"] }, {}, names, [], {
      HTTP_PROXY: proxy.url,
    });
    try {
      const byAddress = await answer(stream, request(stream, `${inside.url}/echo`));
      expect(byAddress.head?.status).toBe(200);
      const byName = await answer(stream, request(stream, `http://named.test:${inside.port}/echo`));
      expect(byName.head?.status).toBe(200);
      expect(proxy.targets).toEqual([`127.0.0.2:${inside.port}`, `named.test:${inside.port}`]);
      // Allowed by address locally, but the proxy would resolve it again: refused, and never sent.
      const unnamed = await answer(stream, request(stream, `http://other.test:${inside.port}/echo`));
      expect(unnamed.failed?.reason).toBe(RequestFailed_Reason.EGRESS_REFUSED);
      const outsider = await answer(stream, request(stream, `${outside.url}/echo`));
      expect(outsider.failed?.reason).toBe(RequestFailed_Reason.EGRESS_REFUSED);
      expect(proxy.targets).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });

  it("honours NO_PROXY, yet refuses a name allowed only by range while a proxy is set, resolving nothing", async () => {
    const proxy = await startConnectProxy({});
    const looked: string[] = [];
    const names = async (name: string) => {
      looked.push(name);
      return [{ address: "127.0.0.2", family: 4 }];
    };
    const { stream } = await start({ allow: ["127.0.0.2/32"] }, {}, names, [], {
      HTTP_PROXY: proxy.url,
      NO_PROXY: "direct.test,127.0.0.2",
    });
    try {
      const direct = await answer(stream, request(stream, `${inside.url}/echo`));
      expect(direct.head?.status).toBe(200);
      const refused = await answer(stream, request(stream, `http://direct.test:${inside.port}/echo`));
      expect(refused.failed?.reason).toBe(RequestFailed_Reason.EGRESS_REFUSED);
      expect(proxy.targets).toEqual([]);
      expect(looked).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
