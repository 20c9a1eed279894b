import { join } from "node:path";
import type { Config } from "../config.ts";
import {
  createSecretBox,
  MASTER_KEY_FILE,
  type ResealProgress,
  type ResealResult,
  resealAll,
} from "../secrets/index.ts";
import { openCliDatabase } from "./open-cli-database.ts";
import { SEALED_COLUMNS } from "./sealed-columns.ts";

/** How to rotate, shown when the command cannot start. */
function procedure(config: Config): string {
  const keyFile = join(config.dataDir, MASTER_KEY_FILE);
  return `patchbay keys rotate-master needs PATCHBAY_MASTER_KEY with at least two keys: the new one first, the old one(s) after it.

To rotate the master key:
  1. Make a new key:                     openssl rand -base64 32
  2. Restart every replica with:         PATCHBAY_MASTER_KEY="<new>,<old>"
     From then on the new key seals; the old key still opens every stored value.
  3. With the same setting, run:         patchbay keys rotate-master
     It re-seals every stored secret under the new key while the service keeps serving.
  4. When it reports 0 remaining, drop the old key (PATCHBAY_MASTER_KEY="<new>") and restart every replica.

Embedded mode (no DATABASE_URL): the master key is the key file
  ${keyFile}
which is used only while PATCHBAY_MASTER_KEY is empty, so
  PATCHBAY_MASTER_KEY="<new>,<contents of ${keyFile}>"
works the same way, the service running (the CLI shares its embedded server); for step 4 restart it with
PATCHBAY_MASTER_KEY="<new>" (or write <new> into the key file and leave the variable empty).
`;
}

function describeProgress(p: ResealProgress): string {
  return `${p.table}.${p.column}: ${p.done}/${p.total}\n`;
}

function summary(result: ResealResult, primaryKeyId: string): { text: string; ok: boolean } {
  const lines: string[] = [];
  const sum = { resealed: 0, skipped: 0, failed: 0, remaining: 0 };
  for (const c of result.columns) {
    if (!c.present) {
      lines.push(`${c.table}.${c.column}: not in this database, skipped`);
      continue;
    }
    lines.push(
      `${c.table}.${c.column}: ${c.resealed} resealed, ${c.skipped} skipped, ${c.failed} failed, ${c.remaining} remaining`,
    );
    for (const key of ["resealed", "skipped", "failed", "remaining"] as const) sum[key] += c[key];
  }
  for (const f of result.failures) lines.push(`failed: ${f.table}.${f.column} id=${f.id} (${f.reason})`);
  lines.push(
    `total: ${sum.resealed} resealed, ${sum.skipped} skipped (changed by a server meanwhile), ${sum.failed} failed, ${sum.remaining} remaining`,
  );
  const ok = sum.failed === 0 && sum.remaining === 0;
  lines.push(
    ok
      ? `Every sealed value is under key ${primaryKeyId}. Drop the old key(s) from PATCHBAY_MASTER_KEY and restart every replica.`
      : sum.failed > 0
        ? "Some values did not open with any configured key; they were left as they were. Keep the old key(s) until they are dealt with."
        : "Some values are still sealed under an old key (is a replica still running without the new key first?). Keep the old key(s) and run this again.",
  );
  return { text: `${lines.join("\n")}\n`, ok };
}

/**
 * `patchbay keys rotate-master [--batch-size <n>]`: re-seals every sealed value under the first key of
 * `PATCHBAY_MASTER_KEY`. Exits 2 (with the procedure) without two distinct keys, 1 when a value failed
 * or remains under an old key, 0 otherwise.
 */
export async function runRotateMaster(config: Config, options: { batchSize: number }): Promise<number> {
  const { batchSize } = options;
  const box =
    config.masterKeys.length > 0
      ? createSecretBox(config.masterKeys.map((k) => Buffer.from(k, "base64")))
      : undefined;
  if (box === undefined || box.keyIds.length < 2) {
    process.stderr.write(procedure(config));
    return 2;
  }
  const db = await openCliDatabase(config);
  try {
    process.stderr.write(
      `re-sealing under key ${box.primaryKeyId} (old keys: ${box.keyIds.slice(1).join(", ")})\n`,
    );
    const result = await resealAll({
      em: () => db.em(),
      box,
      columns: SEALED_COLUMNS,
      batchSize,
      onProgress: (p) => process.stderr.write(describeProgress(p)),
    });
    const { text, ok } = summary(result, box.primaryKeyId);
    process.stdout.write(text);
    return ok ? 0 : 1;
  } finally {
    await db.close();
  }
}
