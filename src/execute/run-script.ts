import type { ConnectorView } from "../catalog/index.ts";
import type { ConnectorResult } from "../connectors/index.ts";
import { DEFAULT_SCRIPT_LIMITS, type Sandbox } from "../connectors/script/index.ts";
import type { OutboundClient } from "../outbound/index.ts";
import type { DeclaredCall } from "./prepare-declared-command.ts";

/**
 * Runs a command of a script connector (params already checked) in a process of the server's sandbox, on
 * an isolate of the caller's tenant, whose every HTTP call is made by the outbound client under the
 * egress policy.
 */
export function runScriptCommand(
  sandbox: Sandbox,
  connector: ConnectorView,
  call: DeclaredCall,
  /** Makes the script's HTTP calls instead of the sandbox process's own client (an agent pool's). */
  relay?: OutboundClient,
): Promise<ConnectorResult> {
  return sandbox.run(
    connector.scriptSource ?? "",
    { command: call.command, params: call.params, config: call.config, variables: call.variables },
    {
      tenant: call.tenantId,
      // A script's fields sit under one key of the log line: at its top level they could pose as the
      // line's own level, msg, time or connector (JSON readers keep the last of a repeated key).
      log: (level, message, fields) =>
        fields === undefined ? call.logger[level](message) : call.logger[level](message, { fields }),
      // The connector's own limits; the call's deadline shortens the wall time when it is sooner.
      limits: {
        ...connector.scriptLimits,
        wallMs: Math.min(call.timeoutMs, connector.scriptLimits.wallMs ?? DEFAULT_SCRIPT_LIMITS.wallMs),
      },
      signal: call.signal,
      ...(relay === undefined
        ? {}
        : {
            http: (request) =>
              relay.request(request.url, {
                method: request.method,
                ...(request.headers !== undefined ? { headers: request.headers } : {}),
                body: request.body,
                ...(request.signal !== undefined ? { signal: request.signal } : {}),
              }),
          }),
    },
  );
}
