import type { BumpLevel } from "./semver.ts";

/** What changed between two connector schemas. */
export type SchemaChangeKind =
  | "command_removed"
  | "command_added"
  | "command_description_changed"
  | "command_deprecated"
  | "command_undeprecated"
  | "command_deprecation_message_changed"
  | "command_added_in_version_changed"
  | "command_read_only_changed"
  | "command_destructive_changed"
  | "command_idempotent_changed"
  | "command_changed"
  | "param_removed"
  | "param_added_without_default"
  | "param_added_with_default"
  | "output_removed"
  | "output_added"
  | "connection_field_removed"
  | "connection_field_added_required"
  | "connection_field_added_optional"
  | "request_changed"
  | FieldChangeKind
  | "schema_changed";

/** A change to one existing field, a command param or a connection-config field alike. */
export type FieldChangeKind =
  | "field_type_changed"
  | "field_became_required"
  | "field_default_removed"
  | "field_options_restricted"
  | "field_options_removed"
  | "field_options_added"
  | "field_options_unrestricted"
  | "field_type_declared"
  | "field_type_dropped"
  | "field_became_optional"
  | "field_default_added"
  | "field_default_changed"
  | "field_secrecy_changed"
  | "field_description_changed"
  | "field_label_changed"
  | "field_placeholder_changed"
  | "field_changed";

/**
 * One change between two schemas. `message` is operator-safe: it names commands, params, outputs and
 * fields (schema identifiers) and never quotes a value, default or option.
 */
export interface SchemaChange {
  /** The smallest version bump that covers this change. */
  readonly level: BumpLevel;
  readonly kind: SchemaChangeKind;
  /** The command the change is in, when it is in one. */
  readonly command?: string;
  /** The param of `command` the change is about. */
  readonly param?: string;
  /** The output of `command` the change is about. */
  readonly output?: string;
  /** The connection-config field the change is about. */
  readonly field?: string;
  /** One line for an operator, for example "command 'listUsers' was removed". */
  readonly message: string;
}

/** The bump a set of changes needs: "none" when there are none. */
export type RequiredBump = BumpLevel | "none";

const RANK: Readonly<Record<RequiredBump, number>> = { none: 0, patch: 1, minor: 2, major: 3 };

/** True when bump `a` is at least as large as bump `b`. */
export function coversBump(a: RequiredBump, b: RequiredBump): boolean {
  return RANK[a] >= RANK[b];
}

/** The highest level among `changes` (a major change wins over any number of minor ones). */
export function requiredBump(changes: readonly SchemaChange[]): RequiredBump {
  let required: RequiredBump = "none";
  for (const change of changes) {
    if (!coversBump(required, change.level)) required = change.level;
  }
  return required;
}
