import type { ConnectorLogger } from "../connectors/index.ts";
import type { Logger } from "../logging/logger.ts";

/** A connector's log lines, tagged with the connector, through the service logger (and its redaction). */
export function createConnectorLogger(logger: Logger, connector: string): ConnectorLogger {
  // The child is made on the first line: most commands log nothing, and a pino child costs a
  // redaction pass over its bindings, which on the Execute hot path is measurable.
  let made: Logger | undefined;
  const child = () => {
    made ??= logger.child({ connector });
    return made;
  };
  return {
    trace: (message, fields) => child().trace(fields ?? {}, message),
    debug: (message, fields) => child().debug(fields ?? {}, message),
    info: (message, fields) => child().info(fields ?? {}, message),
    warn: (message, fields) => child().warn(fields ?? {}, message),
    error: (message, fields) => child().error(fields ?? {}, message),
  };
}
