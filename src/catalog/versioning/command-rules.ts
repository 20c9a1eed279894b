import type { CommandSpecJson } from "../../../gen/patchbay/v1/common_pb.ts";
import type { SchemaChangeKind } from "./schema-change.ts";
import type { BumpLevel } from "./semver.ts";

/** One row of the command metadata rule table. */
export interface CommandRule {
  readonly kind: SchemaChangeKind;
  readonly level: BumpLevel;
  /** True when the change from `previous` to `next` is this rule's change. */
  readonly applies: (previous: CommandSpecJson, next: CommandSpecJson) => boolean;
  /** The operator message; `subject` names the command, e.g. "command 'listUsers'". */
  readonly describe: (subject: string) => string;
}

const isDeprecated = (command: CommandSpecJson): boolean => command.deprecated === true;

/** The rule for one effect hint: declared, dropped or flipped. */
function effectRule(kind: SchemaChangeKind, key: "readOnly" | "destructive" | "idempotent"): CommandRule {
  return {
    kind,
    level: "patch",
    applies: (p, n) => p[key] !== n[key],
    describe: (s) => `${key} hint of ${s} changed`,
  };
}

/**
 * Changes to a command's own metadata. Params and outputs are diffed separately. All of these are
 * patch: seed 004 has deprecated commands "continue to function normally", so marking or unmarking one
 * changes documentation and logs, not what callers may send or read. The effect hints (read-only,
 * destructive, idempotent) describe what the command already does, for agents deciding whether to ask
 * before running it; declaring or correcting one changes no call's params or payload either.
 */
export const COMMAND_RULES: readonly CommandRule[] = [
  {
    kind: "command_description_changed",
    level: "patch",
    applies: (p, n) => p.description !== n.description,
    describe: (s) => `description of ${s} changed`,
  },
  {
    kind: "command_deprecated",
    level: "patch",
    applies: (p, n) => !isDeprecated(p) && isDeprecated(n),
    describe: (s) => `${s} was deprecated`,
  },
  {
    kind: "command_undeprecated",
    level: "patch",
    applies: (p, n) => isDeprecated(p) && !isDeprecated(n),
    describe: (s) => `${s} is no longer deprecated`,
  },
  {
    kind: "command_deprecation_message_changed",
    level: "patch",
    applies: (p, n) => p.deprecatedMessage !== n.deprecatedMessage,
    describe: (s) => `deprecation message of ${s} changed`,
  },
  {
    kind: "command_added_in_version_changed",
    level: "patch",
    applies: (p, n) => p.addedInVersion !== n.addedInVersion,
    describe: (s) => `addedInVersion of ${s} changed`,
  },
  effectRule("command_read_only_changed", "readOnly"),
  effectRule("command_destructive_changed", "destructive"),
  effectRule("command_idempotent_changed", "idempotent"),
];
