import { type DescField, getOption, hasOption } from "@bufbuild/protobuf";
import { max_items } from "../../../gen/patchbay/v1/common_pb.ts";

/** The limits every request message is held to before any handler sees it (docs/limits.md). */
export const INPUT_LIMITS = {
  /** Items of a repeated field, or entries of a map field, without a `(patchbay.v1.max_items)` option. */
  defaultMaxItems: 100,
  /**
   * Keys of a JSON object or items of a JSON array inside a `google.protobuf.Struct`, `Value` or
   * `ListValue` field (Execute's params and variables, connector config, OpenAPI documents): Google's
   * types cannot carry our option, and free-form JSON needs more room than a list of names.
   */
  jsonMaxItems: 10_000,
  /** Nesting levels of messages, JSON objects and JSON arrays below the request message. */
  maxDepth: 64,
} as const;

/** The most items `field` (repeated or map) may hold in a request: its option, else the default. */
export function maxItemsOf(field: DescField): number {
  if (
    field.parent.typeName === "google.protobuf.Struct" ||
    field.parent.typeName === "google.protobuf.ListValue"
  )
    return INPUT_LIMITS.jsonMaxItems;
  const declared = hasOption(field, max_items) ? getOption(field, max_items) : 0;
  return declared > 0 ? declared : INPUT_LIMITS.defaultMaxItems;
}
