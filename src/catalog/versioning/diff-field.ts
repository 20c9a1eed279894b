import { isDeepStrictEqual } from "node:util";
import { FIELD_RULES, type FieldView } from "./field-rules.ts";
import type { SchemaChange } from "./schema-change.ts";

/** Where a field sits: `{ field }` for connection config, `{ command, param }` for a param. */
export type FieldPlace = Pick<SchemaChange, "command" | "param" | "field">;

/**
 * The changes to one field that exists in both schemas: every `FIELD_RULES` row that applies, or one
 * patch-level `field_changed` when none does but the field still differs.
 */
export function diffField(
  previous: FieldView,
  next: FieldView,
  subject: string,
  place: FieldPlace,
): SchemaChange[] {
  const changes = FIELD_RULES.filter((rule) => rule.applies(previous, next)).map(
    (rule): SchemaChange => ({
      level: rule.level,
      kind: rule.kind,
      ...place,
      message: rule.describe(subject),
    }),
  );
  if (changes.length === 0 && !isDeepStrictEqual(previous, next)) {
    changes.push({
      level: "patch",
      kind: "field_changed",
      ...place,
      message: `definition of ${subject} changed`,
    });
  }
  return changes;
}
