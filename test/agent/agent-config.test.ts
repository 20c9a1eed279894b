import { describe, expect, it } from "vitest";
import { parseAgentConfig } from "../../src/agent/index.ts";

const flags = {
  url: "https://patchbay.example.com/",
  keyEnv: "PATCHBAY_AGENT_KEY",
  pool: "dc-1",
  allow: ["wiki.corp.example:443"],
  connector: [],
  capacity: "64",
};

describe("parseAgentConfig", () => {
  it("reads the proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, also lower case) and combines the allow-lists", () => {
    const config = parseAgentConfig(
      flags,
      {
        PATCHBAY_AGENT_KEY: "pb_x",
        HTTPS_PROXY: "http://proxy.corp.example:3128",
        http_proxy: "http://plain.corp.example:3128",
        NO_PROXY: ".corp.example",
        PATCHBAY_AGENT_ALLOW: " 10.20.0.0/16:443 ,",
      },
      "1.2.3",
    );
    expect(config.proxy).toEqual({
      httpsProxy: "http://proxy.corp.example:3128",
      httpProxy: "http://plain.corp.example:3128",
      noProxy: ".corp.example",
    });
    expect(config.allow).toEqual(["wiki.corp.example:443", "10.20.0.0/16:443"]);
    expect(config.url).toBe("https://patchbay.example.com");
    expect(config.identity).toMatchObject({ pool: "dc-1", capacity: 64, version: "1.2.3", connectors: [] });
  });

  it("sets no proxy when none is configured", () => {
    expect(parseAgentConfig(flags, { PATCHBAY_AGENT_KEY: "pb_x" }, "1").proxy).toEqual({});
  });

  it("drains for 30 s and backs off from 0.5 s up to 30 s unless told otherwise, in seconds", () => {
    const env = { PATCHBAY_AGENT_KEY: "pb_x" };
    const plain = parseAgentConfig(flags, env, "1");
    expect(plain.drainMs).toBe(30_000);
    expect(plain.backoff).toEqual({ baseMs: 500, capMs: 30_000 });
    const tuned = parseAgentConfig(
      { ...flags, drainTimeout: "0", backoffInitial: "0.25", backoffMax: "120" },
      env,
      "1",
    );
    expect(tuned.drainMs).toBe(0);
    expect(tuned.backoff).toEqual({ baseMs: 250, capMs: 120_000 });
    expect(parseAgentConfig({ ...flags, drainTimeout: "1.5" }, env, "1").drainMs).toBe(1_500);
  });

  it.each([
    [{ drainTimeout: "-1" }, "--drain-timeout must be a number of seconds from 0 to 3600"],
    [{ drainTimeout: "1e3" }, "--drain-timeout must be a number of seconds from 0 to 3600"],
    [{ drainTimeout: "0.0001" }, "--drain-timeout must be a number of seconds from 0 to 3600"],
    [{ backoffInitial: "" }, "--backoff-initial must be a number of seconds from 0.01 to 3600"],
    [{ backoffInitial: "0.001" }, "--backoff-initial must be a number of seconds from 0.01 to 3600"],
    [{ backoffMax: "0.1" }, "--backoff-max must not be less than --backoff-initial"],
  ])("refuses %j", (bad, message) => {
    expect(() => parseAgentConfig({ ...flags, ...bad }, { PATCHBAY_AGENT_KEY: "pb_x" }, "1")).toThrow(
      message,
    );
  });
});
