import type { JsonObject } from "@bufbuild/protobuf";
import type { LogLineTap } from "../connections/index.ts";
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
 * The tap of a connector logger (`createConnectorLogger`) that keeps each line in `into` for the caller
 * who asked for them (ExecuteMetadata.return_log_lines). The tap gets each line already scrubbed of the
 * execution's secrets by value, as the server log does; the fields are also redacted like diagnostics
 * by key here (the server log's own key redaction is pino's, which a copy here would not get).
 */
export function collectLogLines(into: CollectedLogLine[]): LogLineTap {
  return (level, message, fields) => {
    if (into.length >= MAX_LINES) return;
    into.push({
      level,
      message: message.slice(0, MAX_MESSAGE),
      fields: redactDiagnostics(fields) as JsonObject,
    });
  };
}
