import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import type { ConnectError } from "@connectrpc/connect";
import { at, type Check, checkJson, checkText, type Fault, fault, textFault, tooDeep } from "./check-text.ts";
import { createRuleChecker } from "./create-rule-checker.ts";
import { keySegment, renderPath, STRUCT, segmentOf, VALUE } from "./field-path.ts";
import { INPUT_LIMITS, maxItemsOf } from "./input-limits.ts";
import { invalidArgument, violation } from "./invalid-argument.ts";

/** Checks one decoded request message: a refusal naming the field path, or undefined when it passes. */
export type InputChecker = (schema: DescMessage, message: object) => ConnectError | undefined;

type FieldCheck = (message: Record<string, unknown>, depth: number) => Fault | undefined;

function holdsInput(desc: DescMessage, seen: Set<DescMessage>): boolean {
  if (seen.has(desc)) return false;
  seen.add(desc);
  return desc.fields.some(
    (f) =>
      f.fieldKind === "list" ||
      f.fieldKind === "map" ||
      (f.fieldKind === "scalar" && f.scalar === ScalarType.STRING) ||
      (f.fieldKind === "message" && holdsInput(f.message, seen)),
  );
}

/**
 * The input rules of every request of every RPC, driven by the message descriptors. First the rule
 * every request keeps: every string (at any depth: nested messages, lists, map keys and values, Struct
 * and Value text) is Unicode text without U+0000, every repeated or map field holds at most its
 * `(patchbay.v1.max_items)` (or the default), and nothing nests deeper than {@link INPUT_LIMITS}. Then
 * the rules each field declares (`(patchbay.v1.rules)`, {@link createRuleChecker}). A refusal is
 * INVALID_ARGUMENT naming the field, with a google.rpc.BadRequest detail. Checks are compiled once per
 * message type, in this checker.
 */
export function createInputChecker(): InputChecker {
  // null: the type holds nothing to check (no text, no lists, no maps at any depth).
  const plans = new Map<DescMessage, Check | null>();

  function valueCheck(field: DescField): Check | undefined {
    let message: DescMessage | undefined;
    switch (field.fieldKind) {
      case "scalar":
        return field.scalar === ScalarType.STRING ? checkText : undefined;
      case "enum":
        return undefined;
      case "message":
        message = field.message;
        // Wrappers in a singular field outside a oneof are unwrapped to their scalar.
        if (field.oneof === undefined && isWrapperDesc(message))
          return message.typeName === "google.protobuf.StringValue" ? checkText : undefined;
        break;
      case "list":
        if (field.listKind === "scalar") return field.scalar === ScalarType.STRING ? checkText : undefined;
        if (field.listKind === "enum") return undefined;
        message = field.message;
        break;
      case "map":
        if (field.mapKind === "scalar") return field.scalar === ScalarType.STRING ? checkText : undefined;
        if (field.mapKind === "enum") return undefined;
        message = field.message;
        break;
    }
    if (message.typeName === STRUCT && field.parent.typeName !== VALUE) return checkJson;
    return messageCheck(message);
  }

  function fieldCheck(field: DescField): FieldCheck | undefined {
    const name = field.localName;
    const segment = segmentOf(field);
    const check = valueCheck(field);
    if (field.fieldKind === "list") {
      const max = maxItemsOf(field);
      return (message, depth) => {
        const list = message[name] as readonly unknown[];
        if (list.length > max) return at(fault(`has more than ${max} items`, "MAX_ITEMS"), segment);
        if (check !== undefined) {
          for (let i = 0; i < list.length; i++) {
            const found = check(list[i], depth);
            if (found !== undefined) return at(at(found, `[${i}]`), segment);
          }
        }
        return undefined;
      };
    }
    if (field.fieldKind === "map") {
      const max = maxItemsOf(field);
      const textKeys = field.mapKey === ScalarType.STRING;
      return (message, depth) => {
        const map = message[name] as Record<string, unknown>;
        let count = 0;
        for (const key in map) {
          if (++count > max) return at(fault(`has more than ${max} entries`, "MAX_ITEMS"), segment);
          const reason = textKeys ? textFault(key) : undefined;
          if (reason !== undefined) return at(at(fault(`key ${reason}`), "[?]"), segment);
          const found = check?.(map[key], depth);
          if (found !== undefined) return at(at(found, keySegment(key, textKeys)), segment);
        }
        return undefined;
      };
    }
    if (check === undefined) return undefined;
    return (message, depth) => {
      const value = message[name];
      if (value === undefined) return undefined;
      const found = check(value, depth);
      return found === undefined ? undefined : at(found, segment);
    };
  }

  function compileFields(desc: DescMessage): FieldCheck[] {
    const checks: FieldCheck[] = [];
    for (const member of desc.members) {
      if (member.kind === "field") {
        const check = fieldCheck(member);
        if (check !== undefined) checks.push(check);
        continue;
      }
      const cases = new Map<string, { check: Check; segment: string }>();
      for (const field of member.fields) {
        const check = valueCheck(field);
        if (check !== undefined) cases.set(field.localName, { check, segment: segmentOf(field) });
      }
      if (cases.size === 0) continue;
      const name = member.localName;
      checks.push((message, depth) => {
        const chosen = message[name] as { case: string | undefined; value?: unknown };
        const entry = chosen.case === undefined ? undefined : cases.get(chosen.case);
        const found = entry?.check(chosen.value, depth);
        return found === undefined || entry === undefined ? undefined : at(found, entry.segment);
      });
    }
    return checks;
  }

  function messageCheck(desc: DescMessage): Check | undefined {
    const known = plans.get(desc);
    if (known !== undefined) return known ?? undefined;
    if (!holdsInput(desc, new Set())) {
      plans.set(desc, null);
      return undefined;
    }
    // google.protobuf.Value only wraps a JSON value: it adds no level and no path segment.
    const transparent = desc.typeName === VALUE;
    let fields: FieldCheck[] = [];
    const check: Check = (value, depth) => {
      const level = transparent ? depth : depth + 1;
      if (level > INPUT_LIMITS.maxDepth) return tooDeep();
      const message = value as Record<string, unknown>;
      for (const field of fields) {
        const found = field(message, level);
        if (found !== undefined) return found;
      }
      return undefined;
    };
    // Registered before its fields compile, so that a recursive type refers to this same check.
    plans.set(desc, check);
    fields = compileFields(desc);
    return check;
  }

  const declared = createRuleChecker();
  return (schema, message) => {
    const found = messageCheck(schema)?.(message, 0);
    if (found !== undefined) {
      const path = renderPath(found.path);
      // The request itself (too deep at the top) has no field path.
      const field = found.path.length === 0 ? "" : path;
      return invalidArgument([violation(field, `${path} ${found.reason}`, found.rule)]);
    }
    const violations = declared(schema, message);
    return violations === undefined ? undefined : invalidArgument(violations);
  };
}
