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
});
