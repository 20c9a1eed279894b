import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RequestFailed_Reason } from "../../gen/patchbay/agent/v1/agent_pb.ts";
import { type FakePatchbay, startFakePatchbay } from "../agent/fake-patchbay.ts";
import { startUpstream, type Upstream } from "../agent/upstream.ts";
import { patchbay, root } from "./run-patchbay.ts";

const KEY = "pb_agent_cli_key_abcdef123456";

async function until<T>(probe: () => T | undefined | false, what: string): Promise<T> {
  for (let i = 0; i < 1_200; i++) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    await sleep(25);
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("patchbay agent on the command line", () => {
  it.each([
    ["no --url", ["--pool", "p", "--allow", "127.0.0.2"], { PATCHBAY_AGENT_KEY: KEY }, "--url is required"],
    [
      "no key",
      ["--url", "http://127.0.0.1:9", "--pool", "p", "--allow", "127.0.0.2"],
      {},
      "PATCHBAY_AGENT_KEY is not set",
    ],
    [
      "a key with spaces (not echoed)",
      ["--url", "http://127.0.0.1:9", "--pool", "p", "--allow", "127.0.0.2"],
      { PATCHBAY_AGENT_KEY: `${KEY} x` },
      "PATCHBAY_AGENT_KEY must hold an API key",
    ],
    [
      "no --allow",
      ["--url", "http://127.0.0.1:9", "--pool", "p"],
      { PATCHBAY_AGENT_KEY: KEY },
      "--allow (or PATCHBAY_AGENT_ALLOW) is required",
    ],
    [
      "a bad --allow entry",
      ["--url", "http://127.0.0.1:9", "--pool", "p", "--allow", "10.0.0.0/99"],
      { PATCHBAY_AGENT_KEY: KEY },
      'invalid --allow entry "10.0.0.0/99"',
    ],
    [
      "a bad port in PATCHBAY_AGENT_ALLOW",
      ["--url", "http://127.0.0.1:9", "--pool", "p"],
      { PATCHBAY_AGENT_KEY: KEY, PATCHBAY_AGENT_ALLOW: "127.0.0.2, host.corp:99999" },
      'invalid --allow entry "host.corp:99999"',
    ],
    [
      "a bad --capacity",
      ["--url", "http://127.0.0.1:9", "--pool", "p", "--allow", "127.0.0.2", "--capacity", "0"],
      { PATCHBAY_AGENT_KEY: KEY },
      "--capacity must be a whole number from 1 to 10000",
    ],
    [
      "a non-http --url",
      ["--url", "ftp://patchbay", "--pool", "p", "--allow", "127.0.0.2"],
      { PATCHBAY_AGENT_KEY: KEY },
      "--url must be an http:// or https:// URL",
    ],
    [
      "a --drain-timeout that is not a number of seconds",
      ["--url", "http://127.0.0.1:9", "--pool", "p", "--allow", "127.0.0.2", "--drain-timeout", "30s"],
      { PATCHBAY_AGENT_KEY: KEY },
      "--drain-timeout must be a number of seconds from 0 to 3600",
    ],
    [
      "a --backoff-initial of 0",
      ["--url", "http://127.0.0.1:9", "--pool", "p", "--allow", "127.0.0.2", "--backoff-initial", "0"],
      { PATCHBAY_AGENT_KEY: KEY },
      "--backoff-initial must be a number of seconds from 0.01 to 3600",
    ],
    [
      "a --backoff-max over an hour",
      ["--url", "http://127.0.0.1:9", "--pool", "p", "--allow", "127.0.0.2", "--backoff-max", "3601"],
      { PATCHBAY_AGENT_KEY: KEY },
      "--backoff-max must be a number of seconds from 0.01 to 3600",
    ],
    [
      "a --backoff-max below --backoff-initial",
      [
        ...["--url", "http://127.0.0.1:9", "--pool", "p", "--allow", "127.0.0.2"],
        ...["--backoff-initial", "5", "--backoff-max", "2"],
      ],
      { PATCHBAY_AGENT_KEY: KEY },
      "--backoff-max must not be less than --backoff-initial",
    ],
  ])("exits 2 with one line on %s", async (_what, args, env, line) => {
    const run = await patchbay(["agent", ...args], env as Record<string, string>);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain(`patchbay: agent: ${line}`);
    expect(run.stderr).not.toContain(KEY);
    expect(run.stdout).toBe("");
  });

  describe("a running agent process", () => {
    let server: FakePatchbay;
    let inside: Upstream;
    beforeAll(async () => {
      server = await startFakePatchbay();
      inside = await startUpstream("127.0.0.2");
    });
    afterAll(async () => {
      await server.close();
      await inside.close();
    });

    it("on SIGTERM sends Drain, finishes its in-flight request, closes the stream and exits 0", async () => {
      // As documented: the key in PATCHBAY_AGENT_KEY, an address range, a host name with a port, and times.
      const allow = ["--allow", "127.0.0.2/32", "--allow", "ldap.corp.example:8443"];
      const times = ["--drain-timeout", "120", "--backoff-initial", "1", "--backoff-max", "60"];
      const child = spawn(
        process.execPath,
        [
          ...["bin/patchbay.js", "agent", "--url", server.url, "--pool", "onprem"],
          ...[...allow, ...times, "--id", "cli-agent"],
        ],
        { cwd: root, env: { PATH: process.env.PATH ?? "", PATCHBAY_AGENT_KEY: KEY, LOG_FORMAT: "json" } },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const stream = await until(() => server.streams[0], "the agent's stream");
      expect(stream.hello).toMatchObject({ agentId: "cli-agent", pool: "onprem", capacity: 64 });
      stream.send({
        case: "request",
        value: {
          id: "held",
          method: "GET",
          url: `${inside.url}/hold`,
          deadlineMs: 60_000,
          connector: "http",
        },
      });
      await until(() => inside.held.length === 1, "the held request");
      child.kill("SIGTERM");
      await until(() => stream.received.some((m) => m.kind.case === "drain"), "the agent's Drain");
      inside.held.shift()?.end("last words");
      const code = await exited;
      expect(code).toBe(0);
      const head = stream.received.find((m) => m.kind.case === "responseHead");
      expect(head?.kind.value).toMatchObject({ requestId: "held", status: 200, end: true });
      expect(head?.kind.case === "responseHead" && Buffer.from(head.kind.value.body).toString()).toBe(
        "last words",
      );
      expect(
        stream.received.some(
          (m) => m.kind.case === "requestFailed" && m.kind.value.reason === RequestFailed_Reason.CANCELED,
        ),
      ).toBe(false);
      await until(() => stream.ended, "the closed stream");
      expect(stderr).toBe("");
      const messages = stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { msg: string }).msg);
      expect(messages).toEqual(
        expect.arrayContaining(["agent started", "agent connected", "agent draining", "agent stopped"]),
      );
      expect(stdout).not.toContain(KEY);
    });
  });
});
