import type { Database } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { ApiKeyStore } from "./api-keys.ts";

/** The channel a key revocation is announced on; the payload is the key's hash. */
export const REVOCATION_CHANNEL = "patchbay_api_keys";
const RETRY_MS = 1_000;

/** The slice of a pg pool client the listener uses. */
interface ListenClient {
  query(text: string): Promise<unknown>;
  on(event: "notification", listener: (message: { channel: string; payload?: string }) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
  release(error?: Error | boolean): void;
}
interface PoolLike {
  connect(): Promise<ListenClient>;
}

function isPool(value: unknown): value is PoolLike {
  return (
    typeof value === "object" && value !== null && "connect" in value && typeof value.connect === "function"
  );
}

/**
 * Keeps the key store's verification cache honest across processes. On PostgreSQL a revocation made
 * anywhere (another replica, the `patchbay keys revoke` command) is announced with NOTIFY; this holds
 * one connection LISTENing and drops the revoked key from the cache at once. While that connection is
 * down the cache is off, so every call asks the database. Embedded PGlite has one process by
 * construction (the data folder is locked), so its own revocations are all there is.
 * Returns the function that stops listening.
 */
export async function listenForRevocations(
  db: Pick<Database, "em" | "kind">,
  keys: ApiKeyStore,
  logger: Logger,
): Promise<() => Promise<void>> {
  if (db.kind !== "postgresql") {
    keys.setCaching(true);
    return async () => undefined;
  }
  keys.setCaching(false);
  const candidate: unknown = await db.em().getConnection().getNativeClient();
  if (!isPool(candidate)) {
    logger.warn("key revocations cannot be listened for; API keys are checked on every call");
    return async () => undefined;
  }
  const pool: PoolLike = candidate;
  let stopped = false;
  let client: ListenClient | undefined;
  let retry: NodeJS.Timeout | undefined;

  const lost = (error: unknown) => {
    keys.setCaching(false);
    const dead = client;
    client = undefined;
    dead?.release(true);
    if (stopped) return;
    logger.warn({ err: error }, "key revocation listener lost; API keys are checked on every call");
    retry = setTimeout(() => void connect(), RETRY_MS);
    retry.unref();
  };

  async function connect(): Promise<void> {
    try {
      const next = await pool.connect();
      next.on("notification", (message) => {
        if (message.channel === REVOCATION_CHANNEL) keys.forget(message.payload);
      });
      next.on("error", lost);
      await next.query(`listen ${REVOCATION_CHANNEL}`);
      if (stopped) {
        next.release();
        return;
      }
      client = next;
      // Anything revoked while nobody listened is forgotten now.
      keys.forget();
      keys.setCaching(true);
    } catch (error) {
      lost(error);
    }
  }

  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    keys.setCaching(false);
    const current = client;
    client = undefined;
    if (current) {
      await current.query(`unlisten ${REVOCATION_CHANNEL}`).catch(() => undefined);
      current.release();
    }
  };
}
