import type { ConnectorResult } from "../define/outcome.ts";

/** What one execution of a script connector gets to see. */
export interface ScriptRequest {
  /** The command; the script's function of that name runs. */
  command: string;
  /** Step parameters, defaults applied (`patchbay.params`). */
  params: Record<string, unknown>;
  /** Decrypted connector config and connection credentials (`patchbay.config`). */
  config: Record<string, unknown>;
  /** The run's variables (`patchbay.variables`). */
  variables: Record<string, unknown>;
}

/** A script's outcome, normalized like a built-in's (seed 004 "Handler return values"). */
export type ScriptResult = ConnectorResult;
