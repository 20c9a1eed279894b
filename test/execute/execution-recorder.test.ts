import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNativeQuery, type Database, type NativeQuery, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import type { ExecutionRow } from "../../src/execute/execution-entity.ts";
import { createExecutionRecorder } from "../../src/execute/index.ts";
import { SERVER_STOPPED } from "../../src/execute/runs-in-flight.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { LogCapture } from "../support/log-capture.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

function row(overrides: Partial<ExecutionRow> = {}): ExecutionRow {
  return {
    id: randomUUID(),
    tenantId: "default",
    subject: "tester",
    keyId: "key-1",
    connectorSlug: "delay",
    connectorVersion: "1.0.1",
    connectionId: null,
    command: "wait",
    status: "failed",
    code: "unavailable",
    errorCode: "SERVER_STOPPED",
    message: SERVER_STOPPED.rawMessage,
    durationMs: 1.5,
    diagnostics: null,
    stepId: "",
    runId: "",
    idempotencyKey: null,
    requestHash: null,
    result: null,
    params: null,
    payload: null,
    createdAt: new Date(),
    ...overrides,
  } as ExecutionRow;
}

describe("the execution recorder's stop", () => {
  let db: Database;
  let pg: TestDatabase | undefined;
  let dataDir: string;
  let query: NativeQuery;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-recorder-stop-"));
    pg = await createTestDatabase();
    const logger = createLogger({ level: "info", format: "json", destination: new LogCapture().stream });
    db = await openDatabase({ databaseUrl: pg?.url, dataDir, poolMax: 2, logger, entities: ENTITIES });
    await db.migrate();
    query = createNativeQuery(() => db.em());
  });
  afterAll(async () => {
    await db?.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const stored = async (ids: readonly string[]) =>
    (await query("select id from executions where id = any($1::uuid[])", [ids])).rows.length;

  function recorder(options: { recordWaitMs?: number } = {}) {
    const logs = new LogCapture();
    const logger = createLogger({ level: "info", format: "json", destination: logs.stream });
    // No timer flush during the test: only the stop writes.
    return {
      logs,
      recorder: createExecutionRecorder(() => db.em(), logger, { flushMs: 60_000, ...options }),
    };
  }

  it("cancels a run still going and writes its record, made after the stop began, in the last batch", async () => {
    const { recorder: r, logs } = recorder();
    const pending = r.begin();
    const finished = r.begin();
    const done = row({ status: "succeeded", errorCode: null, code: null, message: null });
    finished.record(done);
    const cancelled = row();
    // The run sees its controller abort with the stop's reason, and only then makes its record.
    pending.controller.signal.addEventListener("abort", () => {
      setImmediate(() => pending.record(cancelled));
    });
    await r.stop();

    expect(pending.controller.signal.reason).toBe(SERVER_STOPPED);
    expect(finished.controller.signal.aborted).toBe(false);
    expect(await stored([done.id, cancelled.id])).toBe(2);
    expect(logs.text()).not.toContain("not written");
  });

  it("cancels a run begun after runs were cancelled as it begins; one that ended without a record is not waited for", async () => {
    const { recorder: r } = recorder({ recordWaitMs: 60_000 });
    const failedEarly = r.begin();
    failedEarly.end();
    expect(r.cancelRunning()).toBe(0);
    const late = r.begin();
    expect(late.controller.signal.reason).toBe(SERVER_STOPPED);
    late.end();
    // Nothing left to wait for: the stop does not wait out its bound.
    await r.stop();
  });

  it("answers a second stop with the first one: both settle once the cancelled run's record is written", async () => {
    const { recorder: r } = recorder({ recordWaitMs: 60_000 });
    const pending = r.begin();
    const cancelled = row();
    pending.controller.signal.addEventListener("abort", () => {
      setImmediate(() => pending.record(cancelled));
    });
    const first = r.stop();
    const second = r.stop();
    expect(second).toBe(first);
    await second;
    expect(await stored([cancelled.id])).toBe(1);
  });

  it("waits for an unrecorded run only so long, says how many it gave up on, and counts a record that came after", async () => {
    const { recorder: r, logs } = recorder({ recordWaitMs: 50 });
    const stuck = r.begin();
    await r.stop();
    expect(stuck.controller.signal.aborted).toBe(true);
    expect(logs.lines().find((line) => String(line.msg).includes("unrecorded"))).toMatchObject({
      level: "warn",
      runs: 1,
    });

    const tooLate = row();
    stuck.record(tooLate);
    r.record(row());
    const warned = logs.lines().filter((line) => String(line.msg).includes("after the recorder stopped"));
    expect(warned.map((line) => [line.level, line.records])).toEqual([
      ["warn", 1],
      ["warn", 2],
    ]);
    // The warning names no content of the record.
    expect(JSON.stringify(warned)).not.toContain(tooLate.id);
    await r.flush();
    expect(await stored([tooLate.id])).toBe(0);
  });
});
