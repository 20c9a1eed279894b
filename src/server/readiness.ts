import type { Sandbox } from "../connectors/script/index.ts";
import type { Database } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";

/** Options of {@link createReadiness}. */
export interface ReadinessOptions {
  readonly db: Database;
  readonly sandbox: Sandbox;
  readonly logger: Logger;
  /** Aborted when a stop begins: from then on the server answers not ready. */
  readonly leaving: AbortSignal;
}

/**
 * The readiness check behind `/readyz` and `grpc.health`: the database answers, every migration is
 * applied, script sandbox processes stay up, and no stop has begun (so load balancers route around a
 * stopping process before it refuses anything). A change is logged once, not once per probe.
 */
export function createReadiness(options: ReadinessOptions): () => Promise<boolean> {
  const { db, sandbox, logger } = options;
  let migrated = false;
  let wasReady = true;
  return async () => {
    if (options.leaving.aborted) return false;
    let now = false;
    try {
      if (await db.ping(1500)) {
        if (!migrated) migrated = (await db.pendingMigrations()).length === 0;
        now = migrated;
      }
    } catch (error) {
      logger.debug({ err: error }, "readiness check failed");
    }
    if (now && !sandbox.healthy()) {
      // Sandbox processes die as soon as they start: scripts cannot run here.
      if (wasReady) logger.error("not ready: script sandbox processes keep exiting at start");
      wasReady = false;
      return false;
    }
    if (now !== wasReady)
      logger[now ? "info" : "warn"]({ ready: now }, now ? "database is back" : "database unreachable");
    wasReady = now;
    return now;
  };
}
