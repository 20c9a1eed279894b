import type { ConnectorView } from "../catalog/index.ts";
import type { ConnectorResult } from "../connectors/index.ts";
import { DEFAULT_SCRIPT_LIMITS, runScript } from "../connectors/script/index.ts";
import type { DeclaredCall } from "./prepare-declared-command.ts";

/**
 * Runs a command of a script connector (params already checked) in a sandbox process, whose every HTTP
 * call is made by the outbound client under the egress policy.
 */
export function runScriptCommand(connector: ConnectorView, call: DeclaredCall): Promise<ConnectorResult> {
  return runScript(
    connector.scriptSource ?? "",
    { command: call.command, params: call.params, config: call.config, variables: call.variables },
    {
      log: (level, message) => call.logger[level](message),
      // The connector's own limits; the call's deadline shortens the wall time when it is sooner.
      limits: {
        ...connector.scriptLimits,
        wallMs: Math.min(call.timeoutMs, connector.scriptLimits.wallMs ?? DEFAULT_SCRIPT_LIMITS.wallMs),
      },
      signal: call.signal,
    },
  );
}
