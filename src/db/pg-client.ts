/** The slice of node-postgres's `Client` the statement hooks need (`processID`/`secretKey` are set once connected). */
export interface PgClient {
  query: (...args: unknown[]) => unknown;
  getTransactionStatus?: () => string | null;
  processID: number | null;
  secretKey: number | null;
  host: string;
  port: number;
  database?: string | undefined;
}

/** The slice of node-postgres's `Pool` the statement hooks need. */
export interface PgPoolEvents {
  on(event: "connect", listener: (client: never) => void): unknown;
  /** Checks a connection out: with a callback (pg-pool's own `query` does so) or as a promise. */
  connect: (...args: unknown[]) => unknown;
}

/** A statement's text when it is a plain one (a string or `{ text }`); undefined for a cursor or anything else. */
export function statementText(config: unknown): string | undefined {
  if (typeof config === "string") return config;
  if (typeof config !== "object" || config === null) return undefined;
  // A submittable (a cursor) drives the protocol itself: left alone.
  if ("submit" in config && typeof config.submit === "function") return undefined;
  return "text" in config && typeof config.text === "string" ? config.text : undefined;
}
