import { afterAll, describe, expect, it } from "vitest";
import { echoConnector } from "../../../src/connectors/builtin/echo.ts";
import { BUILT_IN_DEFINITIONS, executeDefinition, type JsonObject } from "../../../src/connectors/index.ts";
import { createOutboundClient } from "../../../src/outbound/index.ts";

// Echo calls nothing; its context still carries a client, as every execution's does.
const outbound = createOutboundClient();
afterAll(() => outbound.close());

function run(config: JsonObject) {
  return executeDefinition(echoConnector, {
    config,
    connectorConfig: {},
    variables: {},
    stepId: "step-1",
    runId: "run-1",
    outbound,
  });
}

describe("echo connector", () => {
  it("is a built-in", () => {
    expect(BUILT_IN_DEFINITIONS).toContain(echoConnector);
  });

  it("returns the message as the payload", async () => {
    expect(await run({ command: "echo", message: "hi" })).toMatchObject({
      success: true,
      payload: { message: "hi" },
    });
  });

  it("echoes structured messages through the default command", async () => {
    const message = { a: [1, 2, { b: null }] };
    expect(await run({ message })).toMatchObject({ success: true, payload: { message } });
  });

  it("returns an empty payload without a message", async () => {
    expect(await run({})).toMatchObject({ success: true, payload: {} });
  });
});
