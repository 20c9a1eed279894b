import { pino } from "pino";
import pretty from "pino-pretty";

/** The logger every part of Patchbay writes to. */
export type Logger = pino.Logger;

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level written. */
  level: string;
  /** `json` lines for machines, `pretty` for a terminal. */
  format: "json" | "pretty";
  /** Where lines go; standard output by default. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
}

// Keys whose values are secrets wherever they appear. pino redacts by path, so each key is listed at the
// depths Patchbay logs objects (top level and up to three levels down); the request-log line itself never
// carries headers or bodies, these paths are the safety net for error causes and connector logs.
const SECRET_KEYS = [
  "authorization",
  "Authorization",
  '["x-api-key"]',
  '["proxy-authorization"]',
  "cookie",
  "apiKey",
  "api_key",
  "key",
  "token",
  "accessToken",
  "access_token",
  "refreshToken",
  "refresh_token",
  "idToken",
  "id_token",
  "secret",
  "clientSecret",
  "client_secret",
  "password",
  "credentials",
  "codeVerifier",
  "code_verifier",
  "masterKey",
  "adminKey",
  "databaseUrl",
];

/** The redaction paths, exported so tests can prove each one is applied. */
// Database errors carry the failing SQL and its bound values, and PostgreSQL's own fields quote the data
// (`detail`: "Key (…)=(…)", "Failing row contains (…)"; `where`: the JSON text around a bad character;
// `hint`, `internalQuery`); those may include sealed secrets or personal data, so they are dropped from
// logged errors, the ORM's wrapper and its cause alike (the error code, message and constraint stay).
const DATABASE_ERROR_FIELDS = ["query", "params", "detail", "where", "hint", "internalQuery"];
const ERROR_DETAIL_PATHS = DATABASE_ERROR_FIELDS.flatMap((field) => [`err.${field}`, `err.cause.${field}`]);

export const REDACT_PATHS: readonly string[] = [
  ...ERROR_DETAIL_PATHS,
  ...SECRET_KEYS.flatMap((k) =>
    k.startsWith("[") ? [k, `*${k}`, `*.*${k}`, `*.*.*${k}`] : [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`],
  ),
];

/**
 * pino's `isoTime`, formatted once per millisecond: under load several lines share a millisecond, and
 * formatting a Date is most of what the timestamp costs.
 */
function isoTimeOncePerMs(): () => string {
  let at = Number.NaN;
  let text = "";
  return () => {
    const ms = Date.now();
    if (ms !== at) {
      at = ms;
      text = `,"time":"${new Date(ms).toISOString()}"`;
    }
    return text;
  };
}

/** Creates the process logger: JSON lines (or pretty on a terminal) with secrets redacted by path. */
export function createLogger(options: LoggerOptions): Logger {
  const base: pino.LoggerOptions = {
    level: options.level,
    base: { service: "patchbay" },
    // A field that is there but unset (a database error's `detail` when PostgreSQL gave none) stays out of
    // the line, rather than reading as if it had held something.
    redact: { paths: [...REDACT_PATHS], censor: (value) => (value === undefined ? undefined : "[redacted]") },
    timestamp: isoTimeOncePerMs(),
    formatters: { level: (label) => ({ level: label }) },
  };
  if (options.format === "pretty") {
    return pino(
      base,
      pretty({ colorize: true, sync: true, destination: options.destination ?? process.stdout }),
    );
  }
  // JSON lines go out in batches: when 4 KiB have gathered, or every 100 ms. Written one by one, each line
  // at a modest rate costs its own trip through the thread pool and the event loop, which measured about
  // a fifth of a webhook delivery's CPU at 1,000 a second (bench/README.md). pino writes what is left
  // when the process exits; a process killed outright (SIGKILL, the kernel's out-of-memory killer) loses
  // at most its last 100 ms of lines.
  return pino(
    base,
    options.destination ?? pino.destination({ sync: false, minLength: 4096, periodicFlush: 100 }),
  );
}

/**
 * A child of `logger` that writes without redaction, to the same destination at the same level. Only for
 * lines whose keys are all fixed by the code and none names a secret (the request log line): redaction by
 * path cannot change such a line, yet with the wildcard paths above it costs each line about twenty times
 * its writing. Never log an error, headers or any object from outside through it.
 */
export function createUnredactedLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } });
}
