import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

describe("a script spending its CPU time in calls into the host, over the wire", () => {
  let t: TestServer;
  let key = "";

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    key = await t.createKey(["catalog:write", "execute"], "mallory", "tenant-spin");
    const command = { params: [], description: "x", outputs: ["x"], paramSchema: {} };
    const res = await fetch(`${t.url}/api/v1/connectors`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "spin",
        executionModel: "script",
        configSchema: {
          connectionConfig: {},
          commands: { busy: command, viaLog: command, viaConsole: command },
        },
        scriptSource: `function busy() { for (;;) {} }
function viaLog() { for (;;) patchbay.log.trace("x"); }
function viaConsole() { for (;;) console.log("x"); }`,
        // Which of the two ends the loop is the question. A call into the host took some twenty times longer
        // than the isolate's clock counted of it: such a loop ran to its wall time, five times its CPU time,
        // spending a core.
        scriptLimits: { cpuMs: 1000, wallMs: 5000 },
      }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
  });
  afterAll(async () => {
    await t?.stop();
  });

  async function failure(command: string) {
    const error = await createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url }))
      .execute(
        { target: { case: "connectorSlug", value: "spin" }, command, metadata: { timeoutMs: 120_000 } },
        { headers: { authorization: `Bearer ${key}` } },
      )
      .then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    return {
      code: error?.code,
      errorCode: error?.findDetails(ExecutionFailureSchema)[0]?.errorCode,
      message: error?.rawMessage,
    };
  }

  it("ends a patchbay.log or console loop at its CPU time, with the failure a busy loop gets", async () => {
    const busy = await failure("busy");
    expect(busy).toEqual({
      code: Code.DeadlineExceeded,
      errorCode: "SCRIPT_TIMEOUT",
      message: expect.stringContaining("script used more than 1000 ms of CPU time"),
    });
    expect(await failure("viaLog")).toEqual(busy);
    expect(await failure("viaConsole")).toEqual(busy);
  });
});
