import { describe, expect, it } from "vitest";
import type { FieldSpecJson } from "../../../gen/patchbay/v1/common_pb.ts";
import {
  type BumpLevel,
  diffSchemas,
  FIELD_RULES,
  type FieldChangeKind,
  type FieldView,
} from "../../../src/catalog/versioning/index.ts";
import { withField, withParam } from "./schema-fixture.ts";

interface FieldCase {
  kind: FieldChangeKind;
  level: BumpLevel;
  previous: FieldView;
  next: FieldView;
  /** The message with `@` where the field is named. */
  message: string;
}

// Changes to an existing field: beyond seed 004, which only speaks of added and removed ones.
const CASES: FieldCase[] = [
  {
    kind: "field_type_changed",
    level: "major",
    previous: { type: "number" },
    next: { type: "string" },
    message: "type of @ changed",
  },
  {
    kind: "field_became_required",
    level: "major",
    previous: { type: "string" },
    next: { type: "string", required: true },
    message: "@ became required",
  },
  {
    kind: "field_default_removed",
    level: "major",
    previous: { type: "number", default: 5 },
    next: { type: "number" },
    message: "@ lost its default",
  },
  {
    kind: "field_options_restricted",
    level: "major",
    previous: { type: "string" },
    next: { type: "string", options: ["a"] },
    message: "@ is now limited to a list of options",
  },
  {
    kind: "field_options_removed",
    level: "major",
    previous: { type: "select", options: ["a", "b"] },
    next: { type: "select", options: ["a"] },
    message: "@ lost one or more options",
  },
  {
    kind: "field_options_added",
    level: "minor",
    previous: { type: "select", options: ["a"] },
    next: { type: "select", options: ["a", "b"] },
    message: "@ gained one or more options",
  },
  {
    kind: "field_options_unrestricted",
    level: "minor",
    previous: { type: "string", options: ["a"] },
    next: { type: "string" },
    message: "@ is no longer limited to a list of options",
  },
  {
    kind: "field_type_declared",
    level: "patch",
    previous: {},
    next: { type: "string" },
    message: "type of @ was declared",
  },
  {
    kind: "field_type_dropped",
    level: "patch",
    previous: { type: "string" },
    next: {},
    message: "type of @ was dropped",
  },
  {
    kind: "field_became_optional",
    level: "patch",
    previous: { type: "string", required: true },
    next: { type: "string" },
    message: "@ became optional",
  },
  {
    kind: "field_default_added",
    level: "patch",
    previous: { type: "number" },
    next: { type: "number", default: 5 },
    message: "@ gained a default",
  },
  {
    kind: "field_default_changed",
    level: "patch",
    previous: { type: "number", default: 5 },
    next: { type: "number", default: 6 },
    message: "default of @ changed",
  },
  {
    kind: "field_secrecy_changed",
    level: "patch",
    previous: { type: "string" },
    next: { type: "secret" },
    message: "secrecy of @ changed",
  },
  {
    kind: "field_description_changed",
    level: "patch",
    previous: { type: "string", description: "old" },
    next: { type: "string", description: "new" },
    message: "description of @ changed",
  },
  {
    kind: "field_label_changed",
    level: "patch",
    previous: { type: "string" },
    next: { type: "string", label: "Name" },
    message: "label of @ changed",
  },
  {
    kind: "field_placeholder_changed",
    level: "patch",
    previous: { type: "string", placeholder: "x" },
    next: { type: "string" },
    message: "placeholder of @ changed",
  },
  {
    // proto3 has no presence for `secret`: false and absent are the same field, so the difference no rule
    // names is a reordering of the options.
    kind: "field_changed",
    level: "patch",
    previous: { type: "select", options: ["a", "b"] },
    next: { type: "select", options: ["b", "a"] },
    message: "definition of @ changed",
  },
];

/** A connection field needs a type; the untyped cases only exist for params listed without a schema. */
function asConnectionField(view: FieldView): FieldSpecJson | undefined {
  return view.type === undefined ? undefined : { ...view, type: view.type };
}

describe("field rules (beyond the seed): a param and a connection field alike", () => {
  it("has one case per FIELD_RULES row and one for the catch-all", () => {
    expect(CASES.map((c) => c.kind)).toEqual([...FIELD_RULES.map((rule) => rule.kind), "field_changed"]);
  });

  it.each(CASES)("$kind is $level on a param", ({ kind, level, previous, next, message }) => {
    expect(diffSchemas(withParam(previous), withParam(next))).toEqual([
      { level, kind, command: "c", param: "p", message: message.replace("@", "param 'p' of command 'c'") },
    ]);
  });

  it.each(CASES.filter((c) => c.previous.type !== undefined && c.next.type !== undefined))(
    "$kind is $level on a connection field",
    ({ kind, level, previous, next, message }) => {
      const before = asConnectionField(previous);
      const after = asConnectionField(next);
      if (before === undefined || after === undefined) throw new Error("case needs typed fields");
      expect(diffSchemas(withField(before), withField(after))).toEqual([
        { level, kind, field: "f", message: message.replace("@", "connection field 'f'") },
      ]);
    },
  );

  it("reports both the type change and the new restriction when a string becomes a select", () => {
    const changes = diffSchemas(withField({ type: "string" }), withField({ type: "select", options: ["a"] }));
    expect(changes.map((c) => c.kind)).toEqual(["field_type_changed", "field_options_restricted"]);
  });

  it("treats a secret field spelled as type string with secret: true like type secret", () => {
    expect(diffSchemas(withField({ type: "string", secret: true }), withField({ type: "secret" }))).toEqual([
      {
        level: "patch",
        kind: "field_changed",
        field: "f",
        message: "definition of connection field 'f' changed",
      },
    ]);
  });

  it("compares defaults by value, not identity", () => {
    const field = (): FieldSpecJson => ({ type: "raw", default: { page: { size: 10 } } });
    expect(diffSchemas(withField(field()), withField(field()))).toEqual([]);
  });

  it("never puts a default or an option value in a message", () => {
    const before = withField({ type: "select", options: ["sk-old-option", "b"], default: "sk-old-default" });
    const after = withField({ type: "select", options: ["sk-new-option"], default: "sk-new-default" });
    const messages = diffSchemas(before, after).map((c) => c.message);
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.join("\n")).not.toMatch(/sk-/);
  });
});
