import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  type ExecuteResponse,
  ExecuteResponseSchema,
  ExecutionFailureSchema,
} from "../../gen/patchbay/v1/execute_pb.ts";
import type { ExecuteReply } from "../../src/execute/execute-reply.ts";
import { fromLegacyResult } from "../../src/execute/legacy-replay.ts";
import { fromStoredReply, toStoredReply } from "../../src/execute/stored-reply.ts";

const EXECUTION_ID = "0b9c7c4e-8d7f-4f3a-9b51-5f0f2a1f6c11";

function failed(reply: ExecuteReply) {
  expect(reply).toBeInstanceOf(ConnectError);
  const error = reply as ConnectError;
  return {
    code: error.code,
    message: error.rawMessage,
    detail: error.findDetails(ExecutionFailureSchema)[0],
  };
}

describe("stored replies", () => {
  it("stores a response as its proto JSON and reads it back", () => {
    const response = create(ExecuteResponseSchema, {
      payload: { posts: [{ id: 1, title: "hello" }], next: null },
      variables: { cursor: "c2" },
      executionId: EXECUTION_ID,
      durationMs: 12.5,
    });
    const stored = toStoredReply(response);
    expect(stored).toEqual({
      response: {
        payload: { posts: [{ id: 1, title: "hello" }], next: null },
        variables: { cursor: "c2" },
        executionId: EXECUTION_ID,
        durationMs: 12.5,
      },
    });
    // Through the jsonb column and back.
    const read = fromStoredReply(JSON.parse(JSON.stringify(stored)));
    expect(read).toEqual(response);
  });

  it("stores an error as its code name, message and ExecutionFailure in proto JSON", () => {
    const error = new ConnectError("upstream is unavailable", Code.Unavailable, undefined, [
      {
        desc: ExecutionFailureSchema,
        value: create(ExecutionFailureSchema, {
          executionId: EXECUTION_ID,
          errorCode: "UPSTREAM_HTTP_503",
          failureClass: "upstream_unavailable",
          diagnostics: { statusCode: 503 },
        }),
      },
    ]);
    const stored = toStoredReply(error);
    expect(stored).toEqual({
      failure: {
        executionId: EXECUTION_ID,
        errorCode: "UPSTREAM_HTTP_503",
        failureClass: "upstream_unavailable",
        diagnostics: { statusCode: 503 },
      },
      code: "unavailable",
      message: "upstream is unavailable",
    });
    const read = failed(fromStoredReply(JSON.parse(JSON.stringify(stored))));
    expect(read).toEqual({
      code: Code.Unavailable,
      message: "upstream is unavailable",
      detail: create(ExecutionFailureSchema, {
        executionId: EXECUTION_ID,
        errorCode: "UPSTREAM_HTTP_503",
        failureClass: "upstream_unavailable",
        diagnostics: { statusCode: 503 },
      }),
    });
  });

  it("reads a reply a later release stored with fields this one does not know", () => {
    const read = fromStoredReply({ response: { executionId: EXECUTION_ID, cost: "0.01" } });
    expect((read as ExecuteResponse).executionId).toBe(EXECUTION_ID);
  });

  it("refuses a value it did not store", () => {
    expect(() => fromStoredReply({})).toThrow(/neither a response nor a failure/);
    expect(() => fromStoredReply({ failure: {}, code: "unavailable" })).toThrow(/neither/);
    expect(() => fromStoredReply({ response: { durationMs: "slow" } })).toThrow();
  });
});

describe("replies stored before m0014 (the run outcome)", () => {
  it("replays a stored success as the response its release answered", () => {
    const reply = fromLegacyResult({
      executionId: EXECUTION_ID,
      durationMs: 3.25,
      result: { success: true, payload: { delayed: 5 }, variables: { step: "done" } },
    });
    expect(reply).toEqual(
      create(ExecuteResponseSchema, {
        payload: { delayed: 5 },
        variables: { step: "done" },
        executionId: EXECUTION_ID,
        durationMs: 3.25,
      }),
    );
  });

  it("replays a stored failure with its class's code, a safe message and redacted diagnostics", () => {
    const reply = fromLegacyResult({
      executionId: EXECUTION_ID,
      durationMs: 40,
      result: {
        success: false,
        error: "no account for ada@example.com",
        errorCode: "UPSTREAM_RATE_LIMITED",
        diagnostics: { statusCode: 429, email: "ada@example.com" },
        variables: { retry: true },
      },
      failureClass: "upstream_rate_limited",
    });
    expect(failed(reply)).toEqual({
      code: Code.ResourceExhausted,
      message: "no account for [email]",
      detail: create(ExecutionFailureSchema, {
        executionId: EXECUTION_ID,
        errorCode: "UPSTREAM_RATE_LIMITED",
        failureClass: "upstream_rate_limited",
        diagnostics: { statusCode: 429, email: "[redacted]" },
        variables: { retry: true },
      }),
    });
  });

  it("replays a failure stored without a class as command_failed, as its release did", () => {
    const reply = fromLegacyResult({ executionId: EXECUTION_ID, durationMs: 1, result: { success: false } });
    expect(failed(reply)).toMatchObject({
      code: Code.FailedPrecondition,
      message: "command failed",
      detail: { errorCode: "COMMAND_FAILED", failureClass: "command_failed" },
    });
  });

  it("refuses a value that is not a run outcome", () => {
    expect(() => fromLegacyResult({ executionId: EXECUTION_ID, durationMs: 1 })).toThrow(/run outcome/);
    expect(() => fromLegacyResult({ executionId: 7, durationMs: 1, result: { success: true } })).toThrow();
    expect(() =>
      fromLegacyResult({ executionId: EXECUTION_ID, durationMs: 1, result: { ok: true } }),
    ).toThrow();
  });
});
