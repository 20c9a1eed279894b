import { afterAll, describe, expect, it } from "vitest";
import type { ConnectorView } from "../../src/catalog/index.ts";
import { createConnectorLogger } from "../../src/connections/connector-logger.ts";
import { createSandbox } from "../../src/connectors/script/index.ts";
import { runScriptCommand } from "../../src/execute/run-script.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { LogCapture } from "../support/log-capture.ts";

const sandbox = createSandbox({ processes: 1 });
afterAll(() => sandbox.close());

/** The parts of a script connector runScriptCommand reads. */
function scriptConnector(scriptSource: string): ConnectorView {
  return { slug: "my-script", scriptSource, scriptLimits: {} } as unknown as ConnectorView;
}

describe("runScriptCommand", () => {
  it("logs a script's fields under one key, redacted by key, without letting them pose as the line's own", async () => {
    const logs = new LogCapture();
    const logger = createLogger({ level: "trace", format: "json", destination: logs.stream });
    const source = `function test() {
      patchbay.log.warn("contact created", {
        contactId: "c-42", apiKey: "k-should-not-show", nested: { token: "t-should-not-show" },
        level: "fatal", msg: "forged", connector: "someone-else", time: "yesterday",
      });
      patchbay.log.info("plain");
      return {};
    }`;
    const result = await runScriptCommand(sandbox, scriptConnector(source), {
      tenantId: "tenant-log",
      command: "test",
      params: {},
      variables: {},
      config: {},
      stepId: "",
      runId: "",
      timeoutMs: 10_000,
      signal: new AbortController().signal,
      logger: createConnectorLogger(logger, "my-script"),
      addSecret: () => undefined,
    });
    expect(result).toEqual({ success: true });
    await expect.poll(() => logs.lines().length).toBe(2);
    const [withFields, plain] = logs.lines();
    expect(withFields).toMatchObject({
      level: "warn",
      connector: "my-script",
      msg: "contact created",
      fields: {
        contactId: "c-42",
        apiKey: "[redacted]",
        nested: { token: "[redacted]" },
        level: "fatal",
        msg: "forged",
        connector: "someone-else",
        time: "yesterday",
      },
    });
    expect(withFields?.time).not.toBe("yesterday");
    expect(plain).toMatchObject({ level: "info", connector: "my-script", msg: "plain" });
    expect(plain).not.toHaveProperty("fields");
    expect(logs.text()).not.toContain("should-not-show");
  });
});
