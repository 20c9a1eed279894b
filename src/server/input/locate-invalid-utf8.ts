import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { keySegment, renderPath, segmentOf } from "./field-path.ts";
import { INPUT_LIMITS } from "./input-limits.ts";

// Stateless between calls (never used with `stream: true`).
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

function utf8(bytes: Uint8Array): string | undefined {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

const isText = (field: DescField) => "scalar" in field && field.scalar === ScalarType.STRING;

// One map entry (key = 1, value = 2): the path below it, innermost first, or undefined.
function walkEntry(
  field: DescField & { fieldKind: "map" },
  data: Uint8Array,
  depth: number,
): string[] | undefined {
  const entry = new BinaryReader(data);
  let key = "?";
  let textKey = field.mapKey === ScalarType.STRING;
  let value: Uint8Array | undefined;
  while (entry.pos < entry.len) {
    const [no, wire] = entry.tag();
    if (no === 1 && wire === WireType.LengthDelimited && textKey) {
      const text = utf8(entry.bytes());
      if (text === undefined) return ["key", "[?]"];
      key = text;
    } else if (no === 1 && wire === WireType.Varint) {
      key = String(entry.int64());
      textKey = false;
    } else if (no === 2 && wire === WireType.LengthDelimited) {
      value = entry.bytes();
    } else {
      entry.skip(wire, no);
    }
  }
  if (value === undefined) return undefined;
  const below =
    field.mapKind === "message"
      ? walk(field.message, value, depth)
      : isText(field) && utf8(value) === undefined
        ? []
        : undefined;
  return below === undefined ? undefined : [...below, keySegment(key, textKey)];
}

// The path of the first string that is not UTF-8 in `bytes` (a `message`), innermost first, or undefined.
function walk(message: DescMessage, bytes: Uint8Array, depth: number): string[] | undefined {
  if (depth > INPUT_LIMITS.maxDepth) return undefined;
  const reader = new BinaryReader(bytes);
  const seen = new Map<number, number>();
  while (reader.pos < reader.len) {
    const [no, wire] = reader.tag();
    const field = message.fields.find((f) => f.number === no);
    if (field === undefined || wire !== WireType.LengthDelimited) {
      reader.skip(wire, no);
      continue;
    }
    const data = reader.bytes();
    const index = seen.get(no) ?? 0;
    seen.set(no, index + 1);
    let below: string[] | undefined;
    if (field.fieldKind === "map") below = walkEntry(field, data, depth + 1);
    else if (field.fieldKind === "message") below = walk(field.message, data, depth + 1);
    else if (field.fieldKind === "list" && field.listKind === "message")
      below = walk(field.message, data, depth + 1)?.concat(`[${index}]`);
    else if (isText(field) && utf8(data) === undefined)
      below = field.fieldKind === "list" ? [`[${index}]`] : [];
    if (below !== undefined) {
      const segment = segmentOf(field);
      return segment === "" ? below : [...below, segment];
    }
  }
  return undefined;
}

/**
 * Where protobuf binary holds a string that is not UTF-8, as the input rule names paths
 * (`metadata.step_id`, `labels[?] key`): protobuf-es refuses such a message without saying where, so
 * this reads the refused bytes again, by the descriptor, on that failure only. Undefined when it is not
 * found (or the bytes are malformed too).
 */
export function locateInvalidUtf8(schema: DescMessage, bytes: Uint8Array): string | undefined {
  try {
    const path = walk(schema, bytes, 1);
    if (path === undefined) return undefined;
    // A bad key reads `labels[?] key`: the word follows the rendered path.
    return path[0] === "key" ? `${renderPath(path.slice(1))} key` : renderPath(path);
  } catch {
    return undefined;
  }
}
