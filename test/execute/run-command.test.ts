import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ExecuteRequestSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import type { ConnectorView } from "../../src/catalog/index.ts";
import { defineCommand, defineConnector } from "../../src/connectors/index.ts";
import { runCommand } from "../../src/execute/run-command.ts";
import { createExternalClients } from "../../src/execute/run-external.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createOutboundClient } from "../../src/outbound/index.ts";
import { LogCapture } from "../support/log-capture.ts";

const thrower = defineConnector({
  name: "thrower",
  version: "1.0.0",
  description: "Throws what it is given.",
  authType: "none",
  commands: {
    boom: defineCommand({
      description: "Throws an unmapped exception carrying user content.",
      params: {},
      handler: () => {
        throw new Error("no account for jane.doe@example.com");
      },
    }),
  },
});

describe("runCommand", () => {
  it("answers an unmapped exception with a fixed text and keeps its message out of the log", async () => {
    const logs = new LogCapture();
    const logger = createLogger({ level: "debug", format: "json", destination: logs.stream });
    const connector = {
      slug: "thrower",
      executionModel: "built_in",
      definition: thrower,
      authType: "none",
      configSchema: { connectionConfig: {}, commands: {} },
      instanceConfig: () => ({}),
    } as unknown as ConnectorView;
    const ctx = {
      timeoutMs: () => undefined,
      signal: new AbortController().signal,
    } as unknown as HandlerContext;
    const outbound = createOutboundClient();
    const { outcome } = await runCommand(
      { logger, outbound } as never,
      createExternalClients(outbound.guard),
      ctx,
      connector,
      create(ExecuteRequestSchema, { command: "boom" }),
      { tenantId: "t1", credentials: {} },
    ).finally(() => outbound.close());
    expect(outcome.result).toMatchObject({
      success: false,
      error: "command failed unexpectedly",
      errorCode: "HANDLER_THREW",
    });
    expect(outcome.failureClass).toBe("command_failed");
    expect(logs.text()).toContain("command threw an exception its connector does not map");
    expect(logs.text()).not.toContain("jane.doe@example.com");
  });
});
