import type { CommandSpec } from "../../../gen/patchbay/v1/common_pb.ts";

/**
 * What running a command does, as its author declares it (`CommandSpec` read_only, destructive,
 * idempotent): hints for AI agents, each left out when unknown.
 */
export type CommandEffects = Pick<CommandSpec, "readOnly" | "destructive" | "idempotent">;

/**
 * What is contradictory in a command's hints, or undefined. A read-only command changes nothing, so it
 * has nothing to destroy and repeating it adds nothing: an agent could not tell which hint to believe.
 */
export function effectsConflict(effects: CommandEffects): string | undefined {
  if (effects.readOnly !== true) return undefined;
  if (effects.destructive === true) return "is read_only, so destructive cannot be true";
  if (effects.idempotent === false) return "is read_only, so idempotent cannot be false";
  return undefined;
}
