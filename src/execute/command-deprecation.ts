import type { ConnectorView } from "../catalog/index.ts";
import { headerSafe } from "../protocol/header-safe.ts";

/** The notice of a deprecated command whose author left no message. */
const NO_MESSAGE = "this command is deprecated";

/**
 * The deprecation notice of the command a call runs, from the connector's stored schema (the same
 * `CommandSpec` for every execution model: a built-in's is derived from its definition, a script,
 * external or OpenAPI-derived connector's is the one it was created with): its `deprecated_message`, or
 * a fixed text when it has none. Undefined when the command is not deprecated or does not exist. An
 * empty `command` means the connector's default command (built-ins only).
 */
export function commandDeprecation(
  connector: Pick<ConnectorView, "configSchema" | "definition">,
  command: string,
): string | undefined {
  const name = command || (connector.definition?.defaultCommand ?? "");
  const commands = connector.configSchema.commands ?? {};
  const spec = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (spec?.deprecated !== true) return undefined;
  return spec.deprecatedMessage || NO_MESSAGE;
}

/** A notice as a header value (one line of printable ASCII, at most 200 characters; see `headerSafe`). */
export function deprecationHeaderValue(notice: string): string {
  return headerSafe(notice) || NO_MESSAGE;
}
