import type { DescField } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";

/**
 * Whether the server's JSON always carries the field: implicit presence (proto3 scalars and enums not
 * marked `optional`, repeated and map fields), outside a oneof. Message fields and `optional` scalars are
 * written only when set.
 */
export function isAlwaysWritten(field: DescField): boolean {
  if (field.oneof !== undefined) return false;
  if (field.fieldKind === "list" || field.fieldKind === "map") return true;
  if (field.fieldKind === "message") return false;
  return field.presence === FeatureSet_FieldPresence.IMPLICIT;
}
