import type { ConnectorLogger, JsonObject } from "../connectors/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { SecretScrubber } from "../secrets/index.ts";

/**
 * Sees each line of a connector logger as the server log gets it: its message and fields scrubbed of the
 * execution's secrets when the logger has a scrubber (`{}` for a line without fields).
 */
export type LogLineTap = (level: keyof ConnectorLogger, message: string, fields: JsonObject) => void;

/**
 * A connector's log lines, tagged with the connector, through the service logger. The execution's
 * secrets are scrubbed by value from the message and every field first; the logger's key-based
 * redaction is the second net. `tap`, when given, sees each line as scrubbed, so that a copy (the
 * lines Execute answers with) costs no second scrub.
 */
export function createConnectorLogger(
  logger: Logger,
  connector: string,
  scrubber?: SecretScrubber,
  tap?: LogLineTap,
): ConnectorLogger {
  // The child is made on the first line: most commands log nothing, and a pino child costs a
  // redaction pass over its bindings, which on the Execute hot path is measurable.
  let made: Logger | undefined;
  const child = () => {
    made ??= logger.child({ connector });
    return made;
  };
  const clean = (fields: JsonObject | undefined): JsonObject =>
    fields === undefined ? {} : scrubber === undefined ? fields : scrubber.value(fields);
  const text = (message: string) => (scrubber === undefined ? message : scrubber.text(message));
  const line =
    (level: keyof ConnectorLogger) =>
    (message: string, fields?: JsonObject): void => {
      const scrubbedFields = clean(fields);
      const scrubbedMessage = text(message);
      child()[level](scrubbedFields, scrubbedMessage);
      tap?.(level, scrubbedMessage, scrubbedFields);
    };
  return {
    trace: line("trace"),
    debug: line("debug"),
    info: line("info"),
    warn: line("warn"),
    error: line("error"),
  };
}
