/**
 * A request the bridge refuses before it reaches a handler (no route, wrong method, bad query, bad JSON,
 * body too large). The message is operator-safe: it names what was wrong, never echoes a value.
 */
export class BridgeError extends Error {
  override name = "BridgeError";
  /** HTTP status to answer with. */
  readonly status: number;
  /** Connect code name for the JSON body (`invalid_argument`, …). */
  readonly code: string;
  /** Extra response headers (for example `Allow` on 405). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** A client-supplied name made safe to quote in a message: printable, short. */
export function quoteName(name: string): string {
  const clean = name.replace(/[^\x21-\x7e]/g, "?");
  return `'${clean.length > 64 ? `${clean.slice(0, 64)}…` : clean}'`;
}
