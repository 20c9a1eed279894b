import type { ConnectorLogger, JsonObject } from "../connectors/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { SecretScrubber } from "../secrets/index.ts";

/**
 * A connector's log lines, tagged with the connector, through the service logger. The execution's
 * secrets are scrubbed by value from the message and every field first; the logger's key-based
 * redaction is the second net.
 */
export function createConnectorLogger(
  logger: Logger,
  connector: string,
  scrubber?: SecretScrubber,
): ConnectorLogger {
  // The child is made on the first line: most commands log nothing, and a pino child costs a
  // redaction pass over its bindings, which on the Execute hot path is measurable.
  let made: Logger | undefined;
  const child = () => {
    made ??= logger.child({ connector });
    return made;
  };
  const clean = (fields: JsonObject | undefined): object =>
    fields === undefined ? {} : scrubber === undefined ? fields : scrubber.value(fields);
  const text = (message: string) => (scrubber === undefined ? message : scrubber.text(message));
  return {
    trace: (message, fields) => child().trace(clean(fields), text(message)),
    debug: (message, fields) => child().debug(clean(fields), text(message)),
    info: (message, fields) => child().info(clean(fields), text(message)),
    warn: (message, fields) => child().warn(clean(fields), text(message)),
    error: (message, fields) => child().error(clean(fields), text(message)),
  };
}
