import { stringify } from "yaml";
import type { JsonObject } from "./json.ts";

/** The document as pretty JSON with a final newline. */
export function toJsonText(document: JsonObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * The document as YAML. No anchors or aliases (shared sub-objects are written out in full), so it parses
 * to exactly the JSON document; no folding, so a changed comment changes one line of the diff.
 */
export function toYamlText(document: JsonObject): string {
  return stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 });
}
