import type { JsonObject } from "@bufbuild/protobuf";
import type { ConnectorLogger } from "../connectors/index.ts";
import type { SecretScrubber } from "../secrets/index.ts";
import { redactDiagnostics } from "./redact-diagnostics.ts";

/** A log line as Execute answers it (ConnectorLogLine). */
export interface CollectedLogLine {
  level: string;
  message: string;
  fields: JsonObject;
}

/** The most lines one answer carries, and the longest message (the server log keeps them all). */
const MAX_LINES = 200;
const MAX_MESSAGE = 2000;

/**
 * `logger`, also keeping each line in `into` for the caller who asked for them
 * (ExecuteMetadata.return_log_lines). What is kept went through the same nets as what the answer already
 * carries: the execution's secrets scrubbed by value, and the fields redacted like diagnostics by key (the
 * server log's own key redaction is pino's, which a copy here would not get).
 */
export function collectLogLines(
  logger: ConnectorLogger,
  scrubber: SecretScrubber,
  into: CollectedLogLine[],
): ConnectorLogger {
  const tee =
    (level: keyof ConnectorLogger) =>
    (message: string, fields?: JsonObject): void => {
      logger[level](message, fields);
      if (into.length >= MAX_LINES) return;
      into.push({
        level,
        message: scrubber.text(message).slice(0, MAX_MESSAGE),
        fields: redactDiagnostics(scrubber.value(fields ?? {})) as JsonObject,
      });
    };
  return {
    trace: tee("trace"),
    debug: tee("debug"),
    info: tee("info"),
    warn: tee("warn"),
    error: tee("error"),
  };
}
