import pg from "pg";
import type { Logger } from "../logging/logger.ts";
import type { Database } from "./database.ts";

const RETRY_MS = 1_000;
/** The listening connection's application_name, followed by its owner's id when it has one. */
const NAME = "patchbay-listen";
/** Channel names are SQL identifiers written into LISTEN; only plain lower-case ones are allowed. */
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
/** An owner's id goes into application_name (at most 63 bytes) and is compared in SQL. */
const OWNER = /^[a-z0-9]{1,40}$/;

/** What a channel's listener is told. */
export interface ChannelHandlers {
  /** A notification on the channel (its payload, "" when none). */
  notified(payload: string): void;
  /**
   * The channel is heard from now on. Anything announced while nobody listened was missed: a cache
   * forgets everything here before it trusts itself again.
   */
  listening(): void;
  /** The channel is no longer heard (the connection broke, or listening stopped): caches stop trusting themselves. */
  deaf(): void;
}

/** One LISTEN connection shared by every channel a process hears (see {@link createNotificationListener}). */
export interface NotificationListener {
  /** Hears `channel` until the returned function is called. */
  listen(channel: string, handlers: ChannelHandlers): Promise<() => Promise<void>>;
  /** Stops hearing every channel and gives the connection back. */
  close(): Promise<void>;
}

/** Options of {@link createNotificationListener}. */
export interface NotificationListenerOptions {
  /** The database whose URL the listening connection opens. */
  readonly db: Pick<Database, "url">;
  readonly logger: Logger;
  /**
   * Whose listener this is (a replica's id: letters and digits). Its connection is then named
   * `patchbay-listen <owner>`, so other processes can tell whether it still listens
   * ({@link listenerConnectedSql}).
   */
  readonly owner?: string | undefined;
}

/**
 * SQL that is true while the listener of the owner `ownerSql` (an SQL expression) has its connection
 * open: PostgreSQL ends a session as soon as its client's socket closes, so a process that was killed
 * stops counting at once (one that vanished with its host counts until TCP gives up on it). Every role
 * may read `application_name` and `datname` in `pg_stat_activity`.
 *
 * During a rolling upgrade, replicas of the release before this one name their listener without an
 * owner: while one of those listens, nobody can be told gone by this rule (their ids are not in the
 * name), so it answers true for every owner and only the callers' other rules (rows not refreshed)
 * apply, as they did in that release.
 */
export function listenerConnectedSql(ownerSql: string): string {
  return `exists (select 1 from pg_stat_activity where datname = current_database()
    and application_name in ('${NAME} ' || ${ownerSql}, '${NAME}'))`;
}

/**
 * PostgreSQL NOTIFY for caches that must hear what other processes change. It holds one
 * connection of its own (not one of the ORM pool's, which a small pool could not spare) LISTENing on
 * every channel asked for, opened at the first `listen` and closed after the last; when it breaks, every
 * channel is `deaf` until a new one LISTENs again (retried every second), then `listening`. TCP
 * keep-alive is on, so a peer that vanished without a word becomes an error eventually (a cache's TTL
 * bounds what the silence costs until then).
 */
export function createNotificationListener(options: NotificationListenerOptions): NotificationListener {
  const { db, logger } = options;
  if (options.owner !== undefined && !OWNER.test(options.owner))
    throw new Error("not a plain listener owner");
  const name = options.owner === undefined ? NAME : `${NAME} ${options.owner}`;
  const channels = new Map<string, ChannelHandlers>();
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  // LISTEN, UNLISTEN and (re)connecting run one at a time, in order.
  let queue: Promise<void> = Promise.resolve();
  const serially = (work: () => Promise<void>): Promise<void> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };

  const end = (connection: pg.Client): Promise<void> => connection.end().catch(() => undefined);

  function lost(error: unknown): void {
    const dead = client;
    client = undefined;
    if (dead !== undefined) void end(dead);
    for (const handlers of channels.values()) handlers.deaf();
    if (closed) return;
    logger.warn({ err: error }, "notification listener lost; caches that depend on it are off");
    retry = setTimeout(() => void serially(connect), RETRY_MS);
    retry.unref();
  }

  async function connect(): Promise<void> {
    if (closed || client !== undefined || channels.size === 0) return;
    const next = new pg.Client({
      connectionString: db.url,
      application_name: name,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    next.on("notification", (message) => channels.get(message.channel)?.notified(message.payload ?? ""));
    next.on("error", (error) => {
      if (client === next) lost(error);
    });
    try {
      await next.connect();
      // Others read the name to learn whether this owner still listens: a DATABASE_URL that names the
      // application would otherwise replace it.
      if (options.owner !== undefined)
        await next.query("select set_config('application_name', $1, false)", [name]);
      for (const channel of channels.keys()) await next.query(`listen ${channel}`);
    } catch (error) {
      void end(next);
      lost(error);
      return;
    }
    if (closed || channels.size === 0) {
      await end(next);
      return;
    }
    client = next;
    for (const handlers of channels.values()) handlers.listening();
  }

  return {
    async listen(channel, handlers) {
      if (!CHANNEL.test(channel)) throw new Error(`not a plain channel name: ${channel}`);
      if (channels.has(channel)) throw new Error(`channel ${channel} is already heard`);
      channels.set(channel, handlers);
      handlers.deaf();
      await serially(async () => {
        if (client === undefined) {
          // Connecting LISTENs on every channel asked for so far, this one included, then says so.
          await connect();
          return;
        }
        try {
          await client.query(`listen ${channel}`);
          handlers.listening();
        } catch (error) {
          lost(error);
        }
      });
      return () =>
        serially(async () => {
          if (channels.get(channel) !== handlers) return;
          channels.delete(channel);
          handlers.deaf();
          const current = client;
          if (current === undefined) return;
          if (channels.size > 0) {
            await current.query(`unlisten ${channel}`).catch(() => undefined);
            return;
          }
          // Nobody listens any more: the connection is closed.
          client = undefined;
          await end(current);
        });
    },

    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      return serially(async () => {
        for (const handlers of channels.values()) handlers.deaf();
        channels.clear();
        const current = client;
        client = undefined;
        if (current) await end(current);
      });
    },
  };
}
