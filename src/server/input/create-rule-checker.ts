import { type DescField, type DescMessage, type DescOneof, getOption, hasOption } from "@bufbuild/protobuf";
import type { BadRequest_FieldViolation } from "../../../gen/google/rpc/error_details_pb.ts";
import { oneof_required, rules } from "../../../gen/patchbay/v1/common_pb.ts";
import { keySegment } from "./field-path.ts";
import { violation } from "./invalid-argument.ts";
import { isMissing, requiredText, type ValueRule, valueRule } from "./value-rules.ts";

/**
 * Checks one decoded request message against the `(patchbay.v1.rules)` and
 * `(patchbay.v1.oneof_required)` options of its fields, at any depth: every violation, or undefined
 * when it keeps them all.
 */
export type RuleChecker = (schema: DescMessage, message: object) => BadRequest_FieldViolation[] | undefined;

// Adds the violations of one message, whose path is `prefix` ("" for the request itself), to `out`.
type Plan = (message: Record<string, unknown>, prefix: string, out: BadRequest_FieldViolation[]) => void;
// The same for one value of a field at `path`: a scalar, or a message to descend into.
type ValueStep = (value: unknown, path: string, out: BadRequest_FieldViolation[]) => void;

const pathOf = (prefix: string, name: string) => (prefix === "" ? name : `${prefix}.${name}`);

function messageOf(field: DescField): DescMessage | undefined {
  if (field.fieldKind === "message") return field.message;
  if (field.fieldKind === "list" && field.listKind === "message") return field.message;
  return field.fieldKind === "map" && field.mapKind === "message" ? field.message : undefined;
}

// Google's types cannot carry Patchbay's options, and Struct/Value nest without end: never entered.
const isForeign = (desc: DescMessage) => desc.typeName.startsWith("google.");

function holdsRules(desc: DescMessage, seen: Set<DescMessage>): boolean {
  if (seen.has(desc) || isForeign(desc)) return false;
  seen.add(desc);
  if (desc.oneofs.some((o) => getOption(o, oneof_required))) return true;
  return desc.fields.some((f) => {
    if (hasOption(f, rules)) return true;
    const message = messageOf(f);
    return message !== undefined && holdsRules(message, seen);
  });
}

/**
 * The checker of the rules declared on request fields (proto/patchbay/v1/common.proto, `Rules`): it
 * reads them from the message descriptors, compiles them once per message type, and caches the plan in
 * the checker, so two servers in one process share nothing.
 */
export function createRuleChecker(): RuleChecker {
  // null: the type declares no rule at any depth.
  const plans = new Map<DescMessage, Plan | null>();

  function valueStep(field: DescField, rule: ValueRule | undefined): ValueStep | undefined {
    const message = messageOf(field);
    const nested = message === undefined ? undefined : planOf(message);
    if (nested !== undefined) {
      return (value, path, out) => nested(value as Record<string, unknown>, path, out);
    }
    if (rule === undefined) return undefined;
    return (value, path, out) => {
      const broken = rule(value);
      if (broken !== undefined) out.push(violation(path, `${path} ${broken.text}`, broken.reason));
    };
  }

  function fieldStep(field: DescField): Plan | undefined {
    const declared = hasOption(field, rules) ? getOption(field, rules) : undefined;
    const required = declared?.required === true;
    const step = valueStep(field, declared === undefined ? undefined : valueRule(field, declared));
    if (!required && step === undefined) return undefined;
    const name = field.localName;
    const missing = requiredText(field);
    return (message, prefix, out) => {
      const value = message[name];
      if (required && isMissing(field, value)) {
        const path = pathOf(prefix, field.name);
        out.push(violation(path, `${path} ${missing}`, "REQUIRED"));
        return;
      }
      if (step === undefined || value === undefined) return;
      const path = pathOf(prefix, field.name);
      if (field.fieldKind === "list") {
        const items = value as readonly unknown[];
        for (let i = 0; i < items.length; i++) step(items[i], `${path}[${i}]`, out);
      } else if (field.fieldKind === "map") {
        const entries = value as Record<string, unknown>;
        for (const key in entries) step(entries[key], `${path}${keySegment(key)}`, out);
      } else {
        step(value, path, out);
      }
    };
  }

  function oneofStep(oneof: DescOneof): Plan | undefined {
    const required = getOption(oneof, oneof_required);
    const members = new Map<string, { step: ValueStep; name: string }>();
    for (const field of oneof.fields) {
      const declared = hasOption(field, rules) ? getOption(field, rules) : undefined;
      const step = valueStep(field, declared === undefined ? undefined : valueRule(field, declared));
      if (step !== undefined) members.set(field.localName, { step, name: field.name });
    }
    if (!required && members.size === 0) return undefined;
    const key = oneof.localName;
    return (message, prefix, out) => {
      const chosen = message[key] as { case: string | undefined; value?: unknown };
      // A member chosen with its zero value (`{"connectionId": ""}`) chooses nothing: proto3 scalars
      // have no presence, so "" is what an unset id looks like everywhere else.
      if (chosen.case === undefined || (required && isZeroScalar(chosen.value))) {
        if (!required) return;
        const names = oneof.fields.map((f) => pathOf(prefix, f.name));
        const last = names.pop();
        const either = names.length === 0 ? last : `${names.join(", ")} or ${last}`;
        out.push(violation(pathOf(prefix, oneof.name), `${either} is required`, "REQUIRED"));
        return;
      }
      const member = members.get(chosen.case);
      member?.step(chosen.value, pathOf(prefix, member.name), out);
    };
  }

  function planOf(desc: DescMessage): Plan | undefined {
    const known = plans.get(desc);
    if (known !== undefined) return known ?? undefined;
    if (!holdsRules(desc, new Set())) {
      plans.set(desc, null);
      return undefined;
    }
    let steps: Plan[] = [];
    const plan: Plan = (message, prefix, out) => {
      for (const step of steps) step(message, prefix, out);
    };
    // Registered before its fields compile, so that a recursive type refers to this same plan.
    plans.set(desc, plan);
    steps = desc.members
      .map((member) => (member.kind === "field" ? fieldStep(member) : oneofStep(member)))
      .filter((step) => step !== undefined);
    return plan;
  }

  return (schema, message) => {
    const plan = planOf(schema);
    if (plan === undefined) return undefined;
    const out: BadRequest_FieldViolation[] = [];
    plan(message as Record<string, unknown>, "", out);
    return out.length === 0 ? undefined : out;
  };
}

function isZeroScalar(value: unknown): boolean {
  if (value instanceof Uint8Array) return value.length === 0;
  return value === "" || value === 0 || value === 0n || value === false;
}
