import { randomUUID } from "node:crypto";
import { link, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { EmbeddedPostgresError } from "./embedded-postgres-error.ts";
import { isAlive } from "./is-alive.ts";

/** How long a process waits for another one to finish starting (an `initdb`) or stopping the server. */
const WAIT_MS = 300_000;

/**
 * Runs `work` holding `<dataDir>/postgres.lock`, so that of several processes (the service, CLI calls)
 * only one at a time starts, attaches to or stops the embedded server. The lock file appears with its
 * holder's pid and a token already in it (written aside, then hard-linked into place), so no process
 * ever reads a half-written lock; a lock whose holder no longer runs is moved aside and checked before it
 * is dropped, so two processes taking over one stale lock cannot both win; and a holder removes the lock
 * only while it still holds its own token.
 */
export async function withServerLock<T>(dataDir: string, work: () => Promise<T>): Promise<T> {
  const file = join(dataDir, "postgres.lock");
  const token = `${process.pid} ${randomUUID()}\n`;
  const deadline = Date.now() + WAIT_MS;
  while (!(await tryCreate(file, token))) {
    const holder = await readFile(file, "utf8").catch(() => undefined);
    if (holder === undefined) continue; // released meanwhile
    const pid = Number.parseInt(holder, 10);
    if (!isAlive(pid)) {
      await takeOver(file, holder);
      continue;
    }
    if (Date.now() > deadline) {
      throw new EmbeddedPostgresError(
        `${file} is still held by process ${pid}: is it stuck? Stop it, then try again`,
      );
    }
    await sleep(100);
  }
  try {
    return await work();
  } finally {
    if ((await readFile(file, "utf8").catch(() => "")) === token) await rm(file, { force: true });
  }
}

async function tryCreate(file: string, token: string): Promise<boolean> {
  const aside = `${file}.${randomUUID()}`;
  await writeFile(aside, token, { mode: 0o600 });
  try {
    await link(aside, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return false;
  } finally {
    await rm(aside, { force: true });
  }
}

/** Moves a dead holder's lock aside; puts it back if, meanwhile, it became a live holder's. */
async function takeOver(file: string, seen: string): Promise<void> {
  const aside = `${file}.stale-${randomUUID()}`;
  try {
    await rename(file, aside);
  } catch {
    return; // gone meanwhile
  }
  if ((await readFile(aside, "utf8").catch(() => seen)) !== seen)
    await link(aside, file).catch(() => undefined);
  await rm(aside, { force: true });
}
