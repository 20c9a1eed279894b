import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNativeQuery, type Database, type NativeQuery, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import type { ExecutionRow } from "../../src/execute/execution-entity.ts";
import { createExecutionRecorder } from "../../src/execute/index.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { LogCapture } from "../support/log-capture.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

// The edge refuses U+0000 in requests, but a connector's own output (an error message, diagnostics, a
// payload) still reaches the recorder: one such row used to fail the whole batch of other calls' records.
const SECRETISH = "tenant-a-private-text";

function row(overrides: Partial<ExecutionRow> = {}): ExecutionRow {
  return {
    id: randomUUID(),
    tenantId: "default",
    subject: "tester",
    keyId: "key-1",
    connectorSlug: "echo",
    connectorVersion: "1.0.0",
    connectionId: null,
    command: "echo",
    status: "succeeded",
    code: null,
    errorCode: null,
    message: null,
    durationMs: 1.5,
    diagnostics: null,
    stepId: "step",
    runId: "run",
    idempotencyKey: null,
    requestHash: null,
    result: null,
    params: null,
    payload: null,
    createdAt: new Date(),
    ...overrides,
  } as ExecutionRow;
}

describe("the execution recorder", () => {
  let db: Database;
  let pg: TestDatabase | undefined;
  let dataDir: string;
  let query: NativeQuery;
  const logs = new LogCapture();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-recorder-"));
    pg = await createTestDatabase();
    const logger = createLogger({ level: "info", format: "json", destination: logs.stream });
    db = await openDatabase({ databaseUrl: pg?.url, dataDir, poolMax: 2, logger, entities: ENTITIES });
    await db.migrate();
    query = createNativeQuery(() => db.em());
  });
  afterAll(async () => {
    await db?.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function stored(ids: readonly string[]) {
    const { rows } = await query(
      "select id, command, message, step_id, diagnostics, payload from executions where id = any($1::uuid[])",
      [ids],
    );
    return new Map(
      (rows as { id: string; command: string; message: string | null; step_id: string }[]).map((r) => [
        r.id,
        r,
      ]),
    );
  }

  it("keeps every other row of a batch when PostgreSQL refuses one, and stores that one with its text replaced", async () => {
    const logger = createLogger({ level: "info", format: "json", destination: logs.stream });
    const recorder = createExecutionRecorder(() => db.em(), logger, { flushMs: 60_000 });
    const good = Array.from({ length: 40 }, (_, i) => row({ stepId: `step-${i}` }));
    const bad = [
      row({ command: `echo\u0000${SECRETISH}`, message: "fine" }),
      row({ stepId: `s\u0000${SECRETISH}`, diagnostics: { note: `x\u0000${SECRETISH}` } }),
      row({ payload: { text: `lone \ud800 ${SECRETISH}` } }),
      row({ message: `lone \udc00 ${SECRETISH}` }),
    ];
    const batch = [...good.slice(0, 20), ...bad, ...good.slice(20)];
    const before = logs.chunks.length;
    for (const r of batch) recorder.record(r);
    await recorder.stop();

    const rows = await stored(batch.map((r) => r.id));
    expect(rows.size).toBe(batch.length);
    for (const r of good) expect(rows.get(r.id)?.step_id).toBe(r.stepId);
    expect(rows.get(bad[0]?.id ?? "")).toMatchObject({ command: "[invalid text]", message: "fine" });
    expect(rows.get(bad[1]?.id ?? "")).toMatchObject({
      step_id: "[invalid text]",
      diagnostics: { invalidText: true },
    });
    expect(rows.get(bad[2]?.id ?? "")).toMatchObject({ payload: { invalidText: true } });
    expect(rows.get(bad[3]?.id ?? "")).toMatchObject({ message: "[invalid text]" });

    const lines = logs.chunks.slice(before).join("");
    expect(lines).not.toContain(SECRETISH);
    const refused = logs
      .lines()
      .filter((l) => String(l.msg).startsWith("execution records: PostgreSQL refused a batch"));
    expect(refused.at(-1)).toMatchObject({ records: batch.length, replaced: bad.length, lost: 0 });
  });

  it("writes a clean batch in one statement and logs nothing", async () => {
    const logger = createLogger({ level: "info", format: "json", destination: logs.stream });
    const recorder = createExecutionRecorder(() => db.em(), logger, { flushMs: 60_000 });
    const batch = Array.from({ length: 5 }, () => row());
    const before = logs.chunks.length;
    for (const r of batch) recorder.record(r);
    await recorder.stop();
    expect((await stored(batch.map((r) => r.id))).size).toBe(5);
    expect(logs.chunks.slice(before).join("")).toBe("");
  });
});
