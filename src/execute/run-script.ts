import type { ConnectorView } from "../catalog/index.ts";
import type { ConnectorResult } from "../connectors/index.ts";
import { DEFAULT_SCRIPT_LIMITS, runScript } from "../connectors/script/index.ts";
import { outboundRequest } from "../outbound/index.ts";
import type { DeclaredCall } from "./prepare-declared-command.ts";

/**
 * Runs a command of a script connector (params already checked) in the sandbox, whose every HTTP call
 * the host makes through the SSRF-safe outbound client.
 */
export function runScriptCommand(connector: ConnectorView, call: DeclaredCall): Promise<ConnectorResult> {
  return runScript(
    connector.scriptSource ?? "",
    { command: call.command, params: call.params, config: call.config, variables: call.variables },
    {
      http: (req) =>
        outboundRequest(req.url, {
          method: req.method,
          ...(req.headers ? { headers: req.headers } : {}),
          ...(req.body !== undefined ? { body: req.body } : {}),
          signal: call.signal,
        }),
      log: (level, message) => call.logger[level](message),
      // The connector's own limits; the call's deadline shortens the wall time when it is sooner.
      limits: {
        ...connector.scriptLimits,
        wallMs: Math.min(call.timeoutMs, connector.scriptLimits.wallMs ?? DEFAULT_SCRIPT_LIMITS.wallMs),
      },
      onCatastrophicError: () =>
        call.logger.error(
          "the script sandbox lost an isolate to a fatal V8 error; restart this process soon",
        ),
      signal: call.signal,
    },
  );
}
