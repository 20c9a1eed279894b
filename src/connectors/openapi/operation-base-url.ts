import { serverUrl } from "./connection-fields.ts";
import { isObject } from "./json-schema.ts";

/**
 * The base URL an operation's own `servers` (else its path item's) give it: the first one, variables
 * substituted. Undefined when neither declares servers, so that the connection's base URL applies: the
 * description overrides it only where it says so. A server URL that is neither absolute nor a path
 * (`v2`, relative to the description's own location) cannot be placed and is left out with a warning.
 */
export function operationBaseUrl(
  operationServers: unknown,
  pathServers: unknown,
  where: string,
  warn: (text: string) => void,
): string | undefined {
  const listed = Array.isArray(operationServers) ? operationServers : pathServers;
  if (!Array.isArray(listed)) return undefined;
  const url = listed
    .filter(isObject)
    .map(serverUrl)
    .find((u) => u !== "");
  if (url === undefined) return undefined;
  if (!/^https?:\/\//i.test(url) && !url.startsWith("/")) {
    warn(
      `${where}: server URL '${url.slice(0, 200)}' is neither absolute nor a path; the connection's base URL is used`,
    );
    return undefined;
  }
  return url;
}
