import { create, toJson } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ConfigSchemaSchema } from "../../gen/patchbay/v1/common_pb.ts";
import { ExecuteRequestSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { createAgentHub } from "../../src/agents/index.ts";
import type { Principal } from "../../src/auth/index.ts";
import type { ConnectorView } from "../../src/catalog/index.ts";
import { defineCommand, defineConnector, succeed, toConfigSchema } from "../../src/connectors/index.ts";
import { createTokenCache } from "../../src/connectors/openapi/index.ts";
import { createSandbox } from "../../src/connectors/script/index.ts";
import { createExternalClients } from "../../src/execute/external-clients.ts";
import { recordOf } from "../../src/execute/record-of.ts";
import { runCommand } from "../../src/execute/run-command.ts";
import { SERVER_STOPPED } from "../../src/execute/runs-in-flight.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createOutboundClient } from "../../src/outbound/index.ts";
import { SERVER_STOPPING } from "../../src/protocol/server-stopping.ts";
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
      { logger, outbound, externalClients: createExternalClients(outbound.guard) } as never,
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

const legacy = defineConnector({
  name: "legacy",
  version: "1.0.0",
  description: "A built-in with a deprecated default command.",
  authType: "none",
  defaultCommand: "old",
  commands: {
    old: defineCommand({
      description: "Old.",
      params: {},
      deprecated: true,
      deprecatedMessage: "use new",
      handler: () => succeed({ payload: { old: true } }),
    }),
    new: defineCommand({ description: "New.", params: {}, handler: () => succeed() }),
  },
});

// Item 2: built-ins warn and mark their runs at the same place as every other execution model.
describe("runCommand: a deprecated built-in command", () => {
  const connector: ConnectorView = {
    id: "c-legacy",
    slug: "legacy",
    tenantId: null,
    authType: "none",
    executionModel: "built_in",
    version: "1.0.0",
    availability: "available",
    availabilityReason: "",
    configured: true,
    configSchema: toJson(ConfigSchemaSchema, toConfigSchema(legacy)),
    definition: legacy,
    mockScenario: undefined,
    scriptLimits: {},
    scriptSource: undefined,
    recordPayloads: false,
    agentPool: undefined,
    endpointUrl: undefined,
    protocol: undefined,
    openapi: undefined,
    oauth: undefined,
    instanceConfig: () => ({}),
  };
  const principal: Principal = {
    keyId: "k1",
    tenantId: "t1",
    subject: "s1",
    scopes: ["execute"],
    rateTier: "",
  };

  const run = async (command: string) => {
    const logs = new LogCapture();
    const logger = createLogger({ level: "debug", format: "json", destination: logs.stream });
    const outbound = createOutboundClient();
    // Started lazily: a built-in never reaches it.
    const sandbox = createSandbox();
    const agents = createAgentHub({
      maxResponseBodyBytes: 1024,
      streamLimits: { perKey: 1, perTenant: 1, total: 1 },
      now: () => new Date(),
    });
    const externalClients = createExternalClients(outbound.guard);
    const deps = { logger, outbound, externalClients, agents, sandbox, openapiTokens: createTokenCache() };
    const ctx = { timeoutMs: () => undefined, signal: new AbortController().signal };
    const req = create(ExecuteRequestSchema, { command });
    const { outcome } = await runCommand(deps, ctx, connector, req, {
      tenantId: "t1",
      credentials: {},
    }).finally(async () => {
      sandbox.close();
      await outbound.close();
    });
    const row = recordOf(
      { now: () => new Date() },
      principal,
      connector,
      req,
      null,
      outcome,
      undefined,
      "connect",
    );
    const warnings = logs.lines().filter((line) => line.msg === "deprecated command called");
    return { outcome, row, warnings };
  };

  it("logs one warning, and marks the outcome and the record with the message", async () => {
    const { outcome, row, warnings } = await run("old");
    expect(outcome.result).toStrictEqual({ success: true, payload: { old: true } });
    expect(outcome.deprecation).toBe("use new");
    expect(row.deprecation).toBe("use new");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: "warn",
      connector: "legacy",
      command: "old",
      deprecatedMessage: "use new",
    });
  });

  it("counts the default command when the call names none, and nothing for a current command", async () => {
    expect((await run("")).outcome.deprecation).toBe("use new");
    const current = await run("new");
    expect(current.outcome.deprecation).toBeUndefined();
    expect(current.row.deprecation).toBeNull();
    expect(current.warnings).toEqual([]);
  });
});

const waiter = defineConnector({
  name: "waiter",
  version: "1.0.0",
  description: "Never answers.",
  authType: "none",
  commands: {
    wait: defineCommand({
      description: "Waits for ever, whatever its signal says.",
      params: {},
      handler: () => new Promise<never>(() => {}),
    }),
  },
});

// A run a stop of the server ends says so on its outcome: an idempotency key it claimed is let go.
describe("runCommand: a command that has not finished", () => {
  const connector = {
    slug: "waiter",
    executionModel: "built_in",
    definition: waiter,
    authType: "none",
    configSchema: { connectionConfig: {}, commands: {} },
    instanceConfig: () => ({}),
  } as unknown as ConnectorView;

  /** Runs `wait`, then aborts the call's signal or the run's controller with `reason` as `by` says. */
  const endedBy = async (by: "call" | "run", reason?: unknown) => {
    const logger = createLogger({ level: "silent", format: "json" });
    const outbound = createOutboundClient();
    const call = new AbortController();
    const controller = new AbortController();
    const running = runCommand(
      { logger, outbound, externalClients: createExternalClients(outbound.guard) } as never,
      { timeoutMs: () => undefined, signal: call.signal },
      connector,
      create(ExecuteRequestSchema, { command: "wait" }),
      { tenantId: "t1", credentials: {}, controller },
    );
    (by === "call" ? call : controller).abort(reason);
    const { outcome } = await running.finally(() => outbound.close());
    return outcome;
  };

  it("is stopped by the server when the grace period's end cancels its run", async () => {
    const outcome = await endedBy("run", SERVER_STOPPED);
    expect(outcome.result).toEqual({
      success: false,
      error: SERVER_STOPPED.rawMessage,
      errorCode: "SERVER_STOPPED",
    });
    expect(outcome.failureClass).toBe("upstream_unavailable");
    expect(outcome.stoppedByServer).toBe(true);
  });

  it("is stopped by the server when its call's signal aborts halfway through the grace period", async () => {
    const outcome = await endedBy("call", SERVER_STOPPING);
    expect(outcome.result).toMatchObject({ error: SERVER_STOPPED.rawMessage, errorCode: "SERVER_STOPPED" });
    expect(outcome.stoppedByServer).toBe(true);
  });

  it("is not stopped by the server when its caller cancels it", async () => {
    const outcome = await endedBy("call");
    expect(outcome.result).toMatchObject({ error: "the caller canceled the call", errorCode: "CANCELED" });
    expect(outcome.stoppedByServer).toBeUndefined();
  });
});
