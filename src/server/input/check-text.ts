import { keySegment } from "./field-path.ts";
import { INPUT_LIMITS } from "./input-limits.ts";

// A refusal on its way up: the reason, the rule's name (google.rpc.BadRequest's `reason`), and the path
// segments collected innermost first, so that a request that passes allocates nothing for paths.
export interface Fault {
  readonly reason: string;
  readonly rule: "TEXT" | "MAX_ITEMS" | "MAX_DEPTH";
  readonly path: string[];
}

/** Checks one value at `depth` levels below the request message. */
export type Check = (value: unknown, depth: number) => Fault | undefined;

/** Why a text value is refused, or undefined when it is clean. */
export function textFault(text: string): string | undefined {
  // PostgreSQL cannot store U+0000 in text or jsonb; one such value used to fail a whole batch of rows.
  if (text.includes("\0")) return "must not contain U+0000 (NUL)";
  // A lone surrogate (JSON `\ud800`) is not Unicode text: it has no UTF-8 form and cannot be stored.
  if (!text.isWellFormed()) return "must be valid Unicode text (it holds a lone surrogate)";
  return undefined;
}

/** A refusal for `reason` at the value being checked (its path filled in on the way up). */
export const fault = (reason: string, rule: Fault["rule"] = "TEXT"): Fault => ({ reason, rule, path: [] });

/** Adds the segment of the level a refusal passes through on its way up ("" adds nothing). */
export function at(found: Fault, segment: string): Fault {
  if (segment !== "") found.path.push(segment);
  return found;
}

/** Checks a string value with {@link textFault}; anything else passes. */
export const checkText: Check = (value) => {
  if (typeof value !== "string") return undefined;
  const reason = textFault(value);
  return reason === undefined ? undefined : fault(reason);
};

/** The refusal of a value nested past {@link INPUT_LIMITS}.maxDepth. */
export const tooDeep = () => fault(`nests deeper than ${INPUT_LIMITS.maxDepth} levels`, "MAX_DEPTH");

/**
 * Checks a google.protobuf.Struct field's value, which protobuf-es holds as a plain JSON object: every
 * string and key, the size of every object and array, the nesting.
 */
export const checkJson: Check = (value, depth) => {
  if (typeof value === "string") return checkText(value, depth);
  if (typeof value !== "object" || value === null) return undefined;
  const level = depth + 1;
  if (level > INPUT_LIMITS.maxDepth) return tooDeep();
  const max = INPUT_LIMITS.jsonMaxItems;
  if (Array.isArray(value)) {
    if (value.length > max) return fault(`has more than ${max} items`, "MAX_ITEMS");
    for (let i = 0; i < value.length; i++) {
      const found = checkJson(value[i], level);
      if (found !== undefined) return at(found, `[${i}]`);
    }
    return undefined;
  }
  const object = value as Record<string, unknown>;
  let count = 0;
  for (const key in object) {
    if (++count > max) return fault(`has more than ${max} entries`, "MAX_ITEMS");
    const reason = textFault(key);
    if (reason !== undefined) return at(fault(`key ${reason}`), "[?]");
    const found = checkJson(object[key], level);
    if (found !== undefined) return at(found, keySegment(key));
  }
  return undefined;
};
