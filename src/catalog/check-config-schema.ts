import { clone, toJson } from "@bufbuild/protobuf";
import {
  type CommandSpec,
  type ConfigSchema,
  type ConfigSchemaJson,
  ConfigSchemaSchema,
  type FieldSpec,
} from "../../gen/patchbay/v1/common_pb.ts";
import { effectsConflict, FIELD_KINDS, isFieldKind } from "../connectors/index.ts";
import { invalidArgument } from "../protocol/errors.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const LIMIT = 200;

function checkName(name: string, what: string): void {
  if (!NAME.test(name)) throw invalidArgument(`${what} names must be identifiers of at most 64 characters`);
}

/** An untyped field is a string; a `secret` one is secret whether or not it says so. */
function checkField(spec: FieldSpec, where: string): void {
  if (spec.type === "") spec.type = "string";
  if (!isFieldKind(spec.type))
    throw invalidArgument(`${where}: type must be one of ${FIELD_KINDS.join(", ")}`);
  if (spec.type === "select" && spec.options.length === 0)
    throw invalidArgument(`${where}: a select field needs options`);
  if (spec.type === "secret") spec.secret = true;
}

/** Every name typed in `param_schema` is also listed in `params`, after the listed ones. */
function checkCommand(name: string, spec: CommandSpec): void {
  checkName(name, "command");
  for (const [param, field] of Object.entries(spec.paramSchema)) {
    checkName(param, "param");
    checkField(field, `param '${param}' of command '${name}'`);
  }
  for (const param of spec.params) checkName(param, "param");
  spec.params = [...new Set([...spec.params, ...Object.keys(spec.paramSchema)])];
  const conflict = effectsConflict(spec);
  if (conflict !== undefined) throw invalidArgument(`config_schema: command '${name}' ${conflict}`);
}

/**
 * A schema from the API, validated and completed, as the proto JSON the catalog stores: identifier
 * names, known field types, options for selects, bounded sizes. Messages name the command/field, never
 * values.
 */
export function checkConfigSchema(requested: ConfigSchema | undefined): ConfigSchemaJson {
  if (requested === undefined) return {};
  const schema = clone(ConfigSchemaSchema, requested);
  const fields = Object.entries(schema.connectionConfig);
  const commands = Object.entries(schema.commands);
  if (fields.length > LIMIT || commands.length > LIMIT)
    throw invalidArgument(`config_schema: at most ${LIMIT} fields and commands`);
  for (const [name, spec] of fields) {
    checkName(name, "connection field");
    checkField(spec, `connection field '${name}'`);
  }
  for (const [name, spec] of commands) checkCommand(name, spec);
  return toJson(ConfigSchemaSchema, schema);
}
