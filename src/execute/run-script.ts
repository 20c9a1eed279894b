import type { ConnectorView } from "../catalog/index.ts";
import type { ConnectorLogger, ConnectorResult } from "../connectors/index.ts";
import { DEFAULT_SCRIPT_LIMITS, runScript } from "../connectors/script/index.ts";
import { outboundRequest } from "../outbound/index.ts";
import { prepareDeclaredCommand } from "./prepare-declared-command.ts";

/** What one script call needs besides the connector. */
export interface ScriptCall {
  command: string;
  params: Record<string, unknown>;
  variables: Record<string, unknown>;
  config: Record<string, unknown>;
  logger: ConnectorLogger;
  signal: AbortSignal;
  timeoutMs: number;
}

/**
 * Runs a command of a script connector: params checked against the connector's schema (defaults
 * applied), then the command's function in the sandbox, whose every HTTP call the host makes through
 * the SSRF-safe outbound client.
 */
export async function runScriptCommand(connector: ConnectorView, call: ScriptCall): Promise<ConnectorResult> {
  const prepared = prepareDeclaredCommand(connector.slug, connector.configSchema, call.command, call.params);
  if (!prepared.ok) return prepared.result;
  return runScript(
    connector.scriptSource ?? "",
    { command: prepared.command, params: prepared.params, config: call.config, variables: call.variables },
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
