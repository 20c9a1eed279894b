import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { createNativeQuery, type NativeQuery } from "../../src/db/index.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// An idempotent call's reply is stored as the wire messages it answered (`executions.reply`); rows that
// the previous release stored as its internal run outcome (`executions.result`) still replay after the
// upgrade, on every protocol.

function failureOf(error: unknown) {
  expect(error).toBeInstanceOf(ConnectError);
  const failure = error as ConnectError;
  return {
    code: failure.code,
    message: failure.rawMessage,
    detail: failure.findDetails(ExecutionFailureSchema)[0],
  };
}

describe("idempotent replay across releases", () => {
  let t: TestServer;
  let query: NativeQuery;
  const transports = {
    connect: () => createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    grpc: () => createGrpcTransport({ baseUrl: t.url }),
  };
  const as = () => ({ headers: { authorization: `Bearer ${t.adminKey}` } });
  const echo = (transport: Transport, idempotencyKey: string) =>
    createClient(ExecuteService, transport).execute(
      {
        target: { case: "connectorSlug", value: "echo" },
        command: "echo",
        params: { message: "today's answer" },
        metadata: { idempotencyKey },
      },
      as(),
    );
  const storedRow = async (key: string) => {
    const { rows } = await query("select id, result, reply from executions where idempotency_key = $1", [
      key,
    ]);
    return rows[0] as { id: string; result: unknown; reply: unknown };
  };
  /** Rewrites a finished call's row as the previous release stored it: its run outcome, no reply. */
  const asPreviousRelease = (key: string, outcome: object) =>
    query("update executions set result = $2::jsonb, reply = null where idempotency_key = $1", [
      key,
      JSON.stringify(outcome),
    ]);

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    query = createNativeQuery(() => t.server.db.em());
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("stores a new call's reply as ExecuteResponse proto JSON and replays it", async () => {
    const first = await echo(transports.connect(), "fresh-1");
    const row = await storedRow("fresh-1");
    // The previous release's shape too, for its replicas during a rolling deploy or after a rollback.
    expect(row.result).toMatchObject({
      executionId: first.executionId,
      result: { success: true, payload: { message: "today's answer" } },
    });
    expect(row.reply).toEqual({
      response: {
        payload: { message: "today's answer" },
        variables: {},
        executionId: first.executionId,
        ...(first.durationMs === 0 ? {} : { durationMs: first.durationMs }),
      },
    });
    for (const transport of Object.values(transports)) {
      const replay = await echo(transport(), "fresh-1");
      expect(replay).toEqual(first);
    }
  });

  it("replays a failure stored as proto JSON with its code, message and ExecutionFailure", async () => {
    const first = await echo(transports.connect(), "fresh-failed");
    await query("update executions set reply = $2::jsonb where idempotency_key = $1", [
      "fresh-failed",
      JSON.stringify({
        failure: {
          executionId: first.executionId,
          errorCode: "UPSTREAM_RATE_LIMITED",
          failureClass: "upstream_rate_limited",
          diagnostics: { statusCode: 429 },
        },
        code: "resource_exhausted",
        message: "upstream said slow down",
      }),
    ]);
    for (const transport of Object.values(transports)) {
      const replay = failureOf(await echo(transport(), "fresh-failed").catch((e: unknown) => e));
      expect(replay).toMatchObject({
        code: Code.ResourceExhausted,
        message: "upstream said slow down",
        detail: {
          executionId: first.executionId,
          errorCode: "UPSTREAM_RATE_LIMITED",
          failureClass: "upstream_rate_limited",
          diagnostics: { statusCode: 429 },
        },
      });
    }
  });

  it("replays a success the previous release stored as its run outcome", async () => {
    const first = await echo(transports.connect(), "old-ok");
    await asPreviousRelease("old-ok", {
      executionId: first.executionId,
      durationMs: 2.5,
      result: { success: true, payload: { message: "yesterday's answer" }, variables: { seen: 1 } },
    });
    for (const transport of Object.values(transports)) {
      const replay = await echo(transport(), "old-ok");
      expect(replay).toMatchObject({
        executionId: first.executionId,
        durationMs: 2.5,
        payload: { message: "yesterday's answer" },
        variables: { seen: 1 },
      });
    }
  });

  it("replays a failure the previous release stored as its run outcome, made safe as it made it", async () => {
    const first = await echo(transports.connect(), "old-failed");
    await asPreviousRelease("old-failed", {
      executionId: first.executionId,
      durationMs: 31,
      result: {
        success: false,
        error: "upstream down for ada@example.com",
        errorCode: "UPSTREAM_UNAVAILABLE",
        diagnostics: { statusCode: 503, email: "ada@example.com" },
      },
      failureClass: "upstream_unavailable",
    });
    for (const transport of Object.values(transports)) {
      const replay = failureOf(await echo(transport(), "old-failed").catch((e: unknown) => e));
      expect(replay).toMatchObject({
        code: Code.Unavailable,
        message: "upstream down for [email]",
        detail: {
          executionId: first.executionId,
          errorCode: "UPSTREAM_UNAVAILABLE",
          failureClass: "upstream_unavailable",
          diagnostics: { statusCode: 503, email: "[redacted]" },
        },
      });
    }
  });

  it("answers a retry ABORTED while neither shape holds a reply yet", async () => {
    await echo(transports.connect(), "unfinished");
    await query("update executions set result = null, reply = null where idempotency_key = $1", [
      "unfinished",
    ]);
    const retry = await echo(transports.grpc(), "unfinished").catch((e: unknown) => e);
    expect((retry as ConnectError).code).toBe(Code.Aborted);
  });
});
