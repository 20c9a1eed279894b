import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecuteResponseSchema, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { ExecutionEntity, type ExecutionRow } from "../../src/execute/execution-entity.ts";
import {
  createIdempotencyKeys,
  IDEMPOTENCY_WINDOW_MS,
  type IdempotencyKeys,
  type IdempotentCall,
} from "../../src/execute/idempotency.ts";
import { fromLegacyResult } from "../../src/execute/legacy-replay.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

const T0 = new Date("2026-03-01T10:00:00Z");

function record(id: string, key: string, overrides: Partial<ExecutionRow> = {}): ExecutionRow {
  return {
    id,
    tenantId: "default",
    subject: "alice",
    keyId: "key-1",
    connectorSlug: "echo",
    connectorVersion: "1.0.0",
    connectionId: null,
    command: "echo",
    status: "succeeded",
    code: null,
    errorCode: null,
    message: null,
    durationMs: 2,
    diagnostics: null,
    stepId: "",
    runId: "",
    idempotencyKey: key,
    requestHash: null,
    result: null,
    reply: null,
    params: null,
    payload: null,
    deprecation: null,
    protocol: "connect",
    mockScenario: null,
    createdAt: T0,
    ...overrides,
  };
}

async function codeOf(work: Promise<unknown>): Promise<Code | undefined> {
  try {
    await work;
    return undefined;
  } catch (error) {
    return error instanceof ConnectError ? error.code : undefined;
  }
}

describe("idempotency keys", () => {
  let pgdb: TestDatabase;
  let dataDir: string;
  let db: Database;
  let clock = T0;
  let keys: IdempotencyKeys;
  const call = (key: string, requestHash = "hash-1"): IdempotentCall => ({
    tenantId: "default",
    subject: "alice",
    key,
    requestHash,
  });
  const stored = (key: string) =>
    db.em().findOneOrFail(ExecutionEntity, { tenantId: "default", subject: "alice", idempotencyKey: key });

  beforeAll(async () => {
    pgdb = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-idempotency-"));
    db = await openDatabase({
      databaseUrl: pgdb.url,
      entities: ENTITIES,
      dataDir,
      poolMax: 2,
      logger: createLogger({ level: "silent", format: "json" }),
    });
    await db.migrate();
    keys = createIdempotencyKeys({ em: () => db.em(), now: () => clock });
  });
  afterAll(async () => {
    await db?.close();
    await pgdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("claims a free key, stores the finished call's reply as proto JSON, and replays it", async () => {
    const id = randomUUID();
    const claim = await keys.claim(call("k-ok"), record(id, "k-ok"));
    if (claim.kind !== "claimed") throw new Error("expected a claim");
    expect(claim.executionId).toBe(id);
    expect(await stored("k-ok")).toMatchObject({ status: "running", requestHash: "hash-1", reply: null });

    const response = create(ExecuteResponseSchema, {
      payload: { text: "hi" },
      variables: {},
      executionId: id,
      durationMs: 4,
    });
    const outcome = { executionId: id, durationMs: 4, result: { success: true, payload: { text: "hi" } } };
    await claim.complete(
      record(id, "k-ok", { durationMs: 4, createdAt: new Date(T0.getTime() + 9) }),
      response,
      outcome,
    );
    const row = await stored("k-ok");
    expect(row).toMatchObject({ status: "succeeded", requestHash: "hash-1", createdAt: T0 });
    expect(row.reply).toEqual({
      response: { payload: { text: "hi" }, variables: {}, executionId: id, durationMs: 4 },
    });
    // The previous release's shape too, which it replays the same answer from (rolling deploy, rollback).
    expect(row.result).toEqual(outcome);
    expect(fromLegacyResult(row.result as Record<string, unknown>)).toEqual(response);

    const replay = await keys.claim(call("k-ok"), record(randomUUID(), "k-ok"));
    expect(replay).toEqual({ kind: "replay", reply: response });
  });

  it("replays a failure with its code, message and ExecutionFailure", async () => {
    const id = randomUUID();
    const claim = await keys.claim(call("k-failed"), record(id, "k-failed"));
    if (claim.kind !== "claimed") throw new Error("expected a claim");
    const failure = create(ExecutionFailureSchema, {
      executionId: id,
      errorCode: "TIMEOUT",
      failureClass: "timeout",
    });
    const error = new ConnectError("command timed out after 5 ms", Code.DeadlineExceeded, undefined, [
      { desc: ExecutionFailureSchema, value: failure },
    ]);
    const outcome = {
      executionId: id,
      durationMs: 5,
      failureClass: "timeout" as const,
      result: { success: false, errorCode: "TIMEOUT", error: "command timed out after 5 ms" },
    };
    await claim.complete(record(id, "k-failed", { status: "failed" }), error, outcome);
    const replay = await keys.claim(call("k-failed"), record(randomUUID(), "k-failed"));
    if (replay.kind !== "replay" || !(replay.reply instanceof ConnectError))
      throw new Error("expected an error");
    expect(replay.reply.code).toBe(Code.DeadlineExceeded);
    expect(replay.reply.rawMessage).toBe("command timed out after 5 ms");
    expect(replay.reply.findDetails(ExecutionFailureSchema)).toEqual([failure]);
  });

  it("replays a row a release before m0014 stored as its run outcome", async () => {
    const id = randomUUID();
    await db.em().insert(
      ExecutionEntity,
      record(id, "k-legacy", {
        requestHash: "hash-1",
        result: { executionId: id, durationMs: 7, result: { success: true, payload: { old: true } } },
      }),
    );
    const replay = await keys.claim(call("k-legacy"), record(randomUUID(), "k-legacy"));
    expect(replay).toEqual({
      kind: "replay",
      reply: create(ExecuteResponseSchema, {
        payload: { old: true },
        variables: {},
        executionId: id,
        durationMs: 7,
      }),
    });
  });

  it("refuses the key for another request, and a retry while the first call runs", async () => {
    await keys.claim(call("k-busy"), record(randomUUID(), "k-busy"));
    expect(await codeOf(keys.claim(call("k-busy", "hash-2"), record(randomUUID(), "k-busy")))).toBe(
      Code.AlreadyExists,
    );
    expect(await codeOf(keys.claim(call("k-busy"), record(randomUUID(), "k-busy")))).toBe(Code.Aborted);
  });

  it("lets go the key of a call the server's stop ended, keeping its record: a retry claims it anew", async () => {
    const stopped = randomUUID();
    const claim = await keys.claim(call("k-stopped"), record(stopped, "k-stopped"));
    if (claim.kind !== "claimed") throw new Error("expected a claim");
    await claim.release(
      record(stopped, "k-stopped", {
        status: "failed",
        code: "unavailable",
        errorCode: "SERVER_STOPPED",
        message: "the server stopped before the command finished",
        createdAt: new Date(T0.getTime() + 9),
      }),
    );
    expect(await db.em().findOneOrFail(ExecutionEntity, { id: stopped })).toMatchObject({
      status: "failed",
      errorCode: "SERVER_STOPPED",
      idempotencyKey: null,
      requestHash: null,
      reply: null,
      result: null,
      createdAt: T0,
    });

    const retry = randomUUID();
    const again = await keys.claim(call("k-stopped"), record(retry, "k-stopped"));
    expect(again).toMatchObject({ kind: "claimed", executionId: retry });
    expect(await stored("k-stopped")).toMatchObject({ id: retry, status: "running" });
  });

  it("lets a key go once its window has passed", async () => {
    const first = randomUUID();
    await keys.claim(call("k-old"), record(first, "k-old"));
    clock = new Date(T0.getTime() + IDEMPOTENCY_WINDOW_MS);
    try {
      const second = randomUUID();
      const claim = await keys.claim(call("k-old", "hash-2"), record(second, "k-old", { createdAt: clock }));
      expect(claim).toMatchObject({ kind: "claimed", executionId: second });
      expect(await db.em().findOneOrFail(ExecutionEntity, { id: first })).toMatchObject({
        idempotencyKey: null,
      });
    } finally {
      clock = T0;
    }
  });

  it("lets one of two racing claims win; the database's refusal is MikroORM's unique violation", async () => {
    const em = db.em();
    await keys.claim(call("k-race"), record(randomUUID(), "k-race"));
    em.create(ExecutionEntity, record(randomUUID(), "k-race"));
    const refused = await em.flush().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UniqueConstraintViolationException);
    expect(refused).toMatchObject({ constraint: "executions_idempotency_idx" });

    // Both claims read the key as free before either inserts: a barrier holds each first read.
    let reads = 0;
    let release = () => {};
    const bothRead = new Promise<void>((resolve) => {
      release = resolve;
    });
    const racing = createIdempotencyKeys({
      now: () => clock,
      em: () => {
        const raceEm = db.em();
        const findOne = raceEm.findOne.bind(raceEm);
        return Object.assign(raceEm, {
          findOne: async (...args: Parameters<typeof findOne>) => {
            const row = await findOne(...args);
            reads += 1;
            if (reads === 2) release();
            await bothRead;
            return row;
          },
        });
      },
    });
    const claims = await Promise.allSettled(
      [1, 2].map(() => racing.claim(call("k-race-2"), record(randomUUID(), "k-race-2"))),
    );
    expect(claims.filter((c) => c.status === "fulfilled").map((c) => c.value.kind)).toEqual(["claimed"]);
    const [lost] = claims.flatMap((c) => (c.status === "rejected" ? [c.reason] : []));
    expect(lost).toBeInstanceOf(ConnectError);
    expect((lost as ConnectError).code).toBe(Code.Aborted);
    // The loser looked the key up again after the refused insert (a third read) and found it running.
    expect(reads).toBe(3);
  });
});
