import pg from "pg";

/** A connection of its own for readiness checks. */
export interface ProbeConnection {
  /** True when `select 1` answers within `timeoutMs` on the probe's own connection. */
  ping(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Readiness asks "can this process reach its database?", not "is a pooled connection free?": a pool
 * that one key's flood keeps busy must not take the replica out of its load balancer (which would move
 * the flood to the next replica). So the probe keeps one connection outside the pool, opened on first
 * use and opened again after any failure or timeout.
 */
export function createProbeConnection(databaseUrl: string): ProbeConnection {
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;

  const drop = (dead: pg.Client | undefined): void => {
    if (dead === undefined) return;
    if (client === dead) client = undefined;
    dead.end().catch(() => undefined);
  };

  const open = (timeoutMs: number): Promise<pg.Client> => {
    if (client !== undefined) return Promise.resolve(client);
    connecting ??= (async () => {
      const fresh = new pg.Client({
        connectionString: databaseUrl,
        application_name: "patchbay-probe",
        connectionTimeoutMillis: timeoutMs,
        statement_timeout: timeoutMs,
      });
      // A dropped connection emits 'error'; without a listener it would end the process.
      fresh.on("error", () => drop(fresh));
      try {
        await fresh.connect();
      } catch (error) {
        fresh.end().catch(() => undefined);
        throw error;
      }
      if (closed) {
        drop(fresh);
        throw new Error("the database is closed");
      }
      client = fresh;
      return fresh;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  return {
    async ping(timeoutMs) {
      if (closed) return false;
      let timer: NodeJS.Timeout | undefined;
      let used: pg.Client | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const check = (async () => {
        used = await open(timeoutMs);
        await used.query("select 1");
        return true as const;
      })().catch(() => false as const);
      try {
        const ok = await Promise.race([check, timeout]);
        if (!ok) drop(used ?? client);
        return ok;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      closed = true;
      const last = client;
      client = undefined;
      await last?.end().catch(() => undefined);
    },
  };
}
