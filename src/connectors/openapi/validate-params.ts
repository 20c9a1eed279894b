import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { isObject, type JsonSchema } from "./json-schema.ts";
import { type OperationPlan, type ParamPlan, PLAN_REF_PREFIX } from "./openapi-plan.ts";
import { planSchemaId, toAjvSchema } from "./to-ajv-schema.ts";

/** Most problems listed in one INVALID_PARAMS message; the rest are counted. */
export const MAX_PROBLEMS = 20;

interface Check {
  validate: ValidateFunction;
  /** Property names the schema declares: the only object keys a message may repeat. */
  names: Set<string>;
}

/** One plan's shared schemas and the validator registry they are added to as params need them. */
interface Registry {
  ajv: Ajv2020;
  schemas: Readonly<Record<string, JsonSchema>>;
  /** Shared schemas added to `ajv` so far (each compiled once, when a param first reaches it). */
  added: Set<string>;
}

/** The registry of plans without shared schemas (format 1, hand-written plans). */
const NO_SHARED: Readonly<Record<string, JsonSchema>> = Object.freeze({});

// Compiled on first use per operation and param, so a 600-operation plan costs nothing up front;
// keyed by the plan's objects so a reloaded plan drops its validators with it.
const checks = new WeakMap<OperationPlan, Map<string, Check | null>>();
const registries = new WeakMap<object, Registry>();

function registry(schemas: Readonly<Record<string, JsonSchema>>): Registry {
  let found = registries.get(schemas);
  if (found === undefined) {
    // strict: false ignores OpenAPI's own keywords (example, xml, discriminator, x-*) and unknown formats;
    // logger: false keeps Ajv from printing about them; unicodeRegExp: false accepts patterns written
    // for other regex engines more often. A shared schema of a few keywords is inlined where it is used;
    // a larger one is compiled once and called, however many params reach it.
    const ajv = new Ajv2020({
      strict: false,
      allErrors: true,
      logger: false,
      unicodeRegExp: false,
      inlineRefs: 8,
    });
    addFormatsModule.default(ajv);
    found = { ajv, schemas, added: new Set() };
    registries.set(schemas, found);
  }
  return found;
}

/** Adds `name/value` pairs of each `$ref` into the plan's table met under `schema` to `refs`. */
function planRefs(schema: unknown, refs: Set<string>, names: Set<string>, depth = 0): void {
  if (depth > 64) return;
  if (Array.isArray(schema)) for (const item of schema) planRefs(item, refs, names, depth + 1);
  else if (isObject(schema)) {
    if (typeof schema.$ref === "string" && schema.$ref.startsWith(PLAN_REF_PREFIX))
      refs.add(schema.$ref.slice(PLAN_REF_PREFIX.length));
    if (isObject(schema.properties)) for (const key of Object.keys(schema.properties)) names.add(key);
    for (const value of Object.values(schema)) planRefs(value, refs, names, depth + 1);
  }
}

function compile(param: ParamPlan, shared: Registry): Check | null {
  if (Object.keys(param.schema).length === 0) return null;
  const schema = toAjvSchema(param.schema) as object;
  const { ajv } = shared;
  // The shared schemas this param reaches, directly or through each other, are added before it is
  // compiled (Ajv resolves `$ref`s synchronously, from what it already holds); their property names
  // are names a message may show.
  const names = new Set<string>();
  const reached = new Set<string>();
  planRefs(param.schema, reached, names);
  try {
    for (const name of reached) {
      const entry = Object.hasOwn(shared.schemas, name) ? shared.schemas[name] : undefined;
      if (entry === undefined) continue;
      planRefs(entry, reached, names);
      if (shared.added.has(name)) continue;
      shared.added.add(name);
      ajv.addSchema(
        { ...(toAjvSchema(entry) as object), $id: planSchemaId(name) },
        undefined,
        undefined,
        false,
      );
    }
    return { validate: ajv.compile(schema), names };
  } catch {
    // A schema Ajv cannot compile (an invalid pattern, a malformed keyword, a pointer to no shared
    // schema) must not fail the call: that param goes unchecked and the upstream API judges it.
    return null;
  } finally {
    // Ajv keeps every compiled schema in its registry; dropping it leaves the plan's cache the only owner
    // (the shared schemas stay: other params reach them).
    ajv.removeSchema(schema);
  }
}

function check(operation: OperationPlan, param: ParamPlan, shared: Registry): Check | null {
  let byParam = checks.get(operation);
  if (byParam === undefined) {
    byParam = new Map();
    checks.set(operation, byParam);
  }
  let found = byParam.get(param.param);
  if (found === undefined) {
    found = compile(param, shared);
    byParam.set(param.param, found);
  }
  return found;
}

/** `labels/0`, `address/city`; object keys the schema does not declare are user data and become `*`. */
function field(param: string, error: ErrorObject, names: Set<string>): string {
  const segments = error.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((s) => (/^\d+$/.test(s) || names.has(s) ? s : "*"));
  return [param, ...segments].join("/");
}

function problems(param: string, errors: ErrorObject[], names: Set<string>): string[] {
  // An anyOf/oneOf failure already says no branch matched; each branch's own errors are noise.
  const branches = errors
    .filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf")
    .map((e) => `${e.schemaPath}/`);
  return errors
    .filter((e) => !branches.some((prefix) => e.schemaPath.startsWith(prefix)))
    .map((e) => {
      // Ajv's messages quote the schema (limits, patterns, formats), never the value.
      const rule = e.keyword === "enum" ? "must be one of the allowed values" : (e.message ?? "is invalid");
      return `${field(param, e, names)} ${rule}`;
    });
}

/**
 * Checks each given param against its JSON Schema and returns one line per failing field and rule
 * (`limit must be <= 100`, `labels/0 must be string`), without values; empty when all pass. `schemas`
 * is the plan's table of shared schemas (format 2) that param schemas point into.
 */
export function validateParams(
  operation: OperationPlan,
  params: Record<string, unknown>,
  schemas: Readonly<Record<string, JsonSchema>> = NO_SHARED,
): string[] {
  const shared = registry(schemas);
  const found = new Set<string>();
  for (const param of operation.params) {
    const value = params[param.param];
    if (value === undefined) continue;
    const compiled = check(operation, param, shared);
    if (compiled === null || compiled.validate(value)) continue;
    for (const line of problems(param.param, compiled.validate.errors ?? [], compiled.names)) found.add(line);
  }
  const lines = [...found];
  if (lines.length <= MAX_PROBLEMS) return lines;
  return [...lines.slice(0, MAX_PROBLEMS), `and ${lines.length - MAX_PROBLEMS} more`];
}
