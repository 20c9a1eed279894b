import { isDeepStrictEqual } from "node:util";
import type { ConfigSchemaJson, FieldSpecJson } from "../../../gen/patchbay/v1/common_pb.ts";
import { canonicalSchema } from "../canonical-schema.ts";
import { diffCommand } from "./diff-command.ts";
import { diffField } from "./diff-field.ts";
import { pairEntries } from "./pair-entries.ts";
import type { SchemaChange } from "./schema-change.ts";

function diffConnectionConfig(
  previous: Record<string, FieldSpecJson>,
  next: Record<string, FieldSpecJson>,
): SchemaChange[] {
  const { removed, added, kept } = pairEntries(previous, next);
  return [
    ...removed.map(
      (field): SchemaChange => ({
        level: "major",
        kind: "connection_field_removed",
        field,
        message: `connection field '${field}' was removed`,
      }),
    ),
    // Seed 004: a new required field breaks every existing instance's config; `default` does not soften it.
    ...added.map(
      ([field, definition]): SchemaChange =>
        definition.required === true
          ? {
              level: "major",
              kind: "connection_field_added_required",
              field,
              message: `required connection field '${field}' was added`,
            }
          : {
              level: "minor",
              kind: "connection_field_added_optional",
              field,
              message: `optional connection field '${field}' was added`,
            },
    ),
    ...kept.flatMap(([field, before, after]) =>
      diffField(before, after, `connection field '${field}'`, { field }),
    ),
  ];
}

/**
 * Every change from `previous` to `next` with the bump it needs (seed 004 "Versioning", plus the rows of
 * `FIELD_RULES` and `COMMAND_RULES`): connection fields first, then commands, each in schema order. Two
 * equal schemas give no changes; any other pair gives at least one. Both are compared in canonical
 * form (canonical-schema.ts): a stored row that spells out a default equals one that leaves it out.
 */
export function diffSchemas(previousSchema: ConfigSchemaJson, nextSchema: ConfigSchemaJson): SchemaChange[] {
  const previous = canonicalSchema(previousSchema);
  const next = canonicalSchema(nextSchema);
  const { removed, added, kept } = pairEntries(previous.commands ?? {}, next.commands ?? {});
  const changes: SchemaChange[] = [
    ...diffConnectionConfig(previous.connectionConfig ?? {}, next.connectionConfig ?? {}),
    ...removed.map(
      (command): SchemaChange => ({
        level: "major",
        kind: "command_removed",
        command,
        message: `command '${command}' was removed`,
      }),
    ),
    ...added.map(
      ([command]): SchemaChange => ({
        level: "minor",
        kind: "command_added",
        command,
        message: `command '${command}' was added`,
      }),
    ),
    ...kept.flatMap(([command, before, after]) => diffCommand(command, before, after)),
  ];
  if (changes.length === 0 && !isDeepStrictEqual(previous, next)) {
    changes.push({ level: "patch", kind: "schema_changed", message: "connector schema changed" });
  }
  return changes;
}
