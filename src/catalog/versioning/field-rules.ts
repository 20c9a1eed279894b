import { isDeepStrictEqual } from "node:util";
import type { FieldSpecJson } from "../../../gen/patchbay/v1/common_pb.ts";
import type { FieldChangeKind } from "./schema-change.ts";
import type { BumpLevel } from "./semver.ts";

/**
 * A field as the diff sees it: its proto JSON in canonical form, where a value left out is its default.
 * A command param listed only in `params` has no schema entry: it is `{}` (untyped, optional, no
 * default).
 */
export type FieldView = FieldSpecJson;

/** One row of the field rule table. */
export interface FieldRule {
  readonly kind: FieldChangeKind;
  readonly level: BumpLevel;
  /** True when the change from `previous` to `next` is this rule's change. */
  readonly applies: (previous: FieldView, next: FieldView) => boolean;
  /** The operator message; `subject` names the field, e.g. "param 'limit' of command 'listContacts'". */
  readonly describe: (subject: string) => string;
}

// "secret" is a string stored sealed: string <-> secret changes secrecy, not which values fit.
const baseType = (field: FieldView): string | undefined => (field.type === "secret" ? "string" : field.type);
const isRequired = (field: FieldView): boolean => field.required === true;
const isSecret = (field: FieldView): boolean => field.secret ?? field.type === "secret";
const hasDefault = (field: FieldView): boolean => field.default !== undefined;
const missingFrom = (from: readonly string[], to: readonly string[]): number =>
  from.filter((option) => !to.includes(option)).length;
const changed = (a: unknown, b: unknown): boolean => a !== b;

/**
 * What changing an existing field means, most severe first. Seed 004 lists only added and removed
 * fields; every row here is beyond the seed. The principle is the seed's own: a change after which a
 * value or config that worked before may be refused is major, a widening is minor, the rest is patch.
 * Messages name the field only; defaults and options are values and never appear.
 */
export const FIELD_RULES: readonly FieldRule[] = [
  {
    // Beyond the seed: a value of the old type may not fit the new one.
    kind: "field_type_changed",
    level: "major",
    applies: (p, n) => p.type !== undefined && n.type !== undefined && baseType(p) !== baseType(n),
    describe: (s) => `type of ${s} changed`,
  },
  {
    // Beyond the seed: callers that omitted it now fail, as with a new required connection field.
    kind: "field_became_required",
    level: "major",
    applies: (p, n) => !isRequired(p) && isRequired(n),
    describe: (s) => `${s} became required`,
  },
  {
    // Beyond the seed: callers that relied on the default now send nothing.
    kind: "field_default_removed",
    level: "major",
    applies: (p, n) => hasDefault(p) && !hasDefault(n),
    describe: (s) => `${s} lost its default`,
  },
  {
    // Beyond the seed: any value was accepted, now only listed ones are.
    kind: "field_options_restricted",
    level: "major",
    applies: (p, n) => p.options === undefined && n.options !== undefined,
    describe: (s) => `${s} is now limited to a list of options`,
  },
  {
    // Beyond the seed: a value that was allowed may now be refused.
    kind: "field_options_removed",
    level: "major",
    applies: (p, n) =>
      p.options !== undefined && n.options !== undefined && missingFrom(p.options, n.options) > 0,
    describe: (s) => `${s} lost one or more options`,
  },
  {
    // Beyond the seed: a widening, like a new output.
    kind: "field_options_added",
    level: "minor",
    applies: (p, n) =>
      p.options !== undefined && n.options !== undefined && missingFrom(n.options, p.options) > 0,
    describe: (s) => `${s} gained one or more options`,
  },
  {
    // Beyond the seed: a widening.
    kind: "field_options_unrestricted",
    level: "minor",
    applies: (p, n) => p.options !== undefined && n.options === undefined,
    describe: (s) => `${s} is no longer limited to a list of options`,
  },
  {
    // Beyond the seed: a param listed only in `params` gains a paramSchema entry; it documents the
    // param and narrows nothing the other rows do not already catch.
    kind: "field_type_declared",
    level: "patch",
    applies: (p, n) => p.type === undefined && n.type !== undefined,
    describe: (s) => `type of ${s} was declared`,
  },
  {
    kind: "field_type_dropped",
    level: "patch",
    applies: (p, n) => p.type !== undefined && n.type === undefined,
    describe: (s) => `type of ${s} was dropped`,
  },
  {
    kind: "field_became_optional",
    level: "patch",
    applies: (p, n) => isRequired(p) && !isRequired(n),
    describe: (s) => `${s} became optional`,
  },
  {
    kind: "field_default_added",
    level: "patch",
    applies: (p, n) => !hasDefault(p) && hasDefault(n),
    describe: (s) => `${s} gained a default`,
  },
  {
    kind: "field_default_changed",
    level: "patch",
    applies: (p, n) => hasDefault(p) && hasDefault(n) && !isDeepStrictEqual(p.default, n.default),
    describe: (s) => `default of ${s} changed`,
  },
  {
    kind: "field_secrecy_changed",
    level: "patch",
    applies: (p, n) => isSecret(p) !== isSecret(n),
    describe: (s) => `secrecy of ${s} changed`,
  },
  {
    kind: "field_description_changed",
    level: "patch",
    applies: (p, n) => changed(p.description, n.description),
    describe: (s) => `description of ${s} changed`,
  },
  {
    kind: "field_label_changed",
    level: "patch",
    applies: (p, n) => changed(p.label, n.label),
    describe: (s) => `label of ${s} changed`,
  },
  {
    kind: "field_placeholder_changed",
    level: "patch",
    applies: (p, n) => changed(p.placeholder, n.placeholder),
    describe: (s) => `placeholder of ${s} changed`,
  },
];
