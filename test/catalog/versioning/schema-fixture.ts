import type { CommandSpecJson, ConfigSchemaJson, FieldSpecJson } from "../../../gen/patchbay/v1/common_pb.ts";

/** A command with every list and map spelled out, as these tests write and edit them. */
export type FullCommand = CommandSpecJson &
  Required<Pick<CommandSpecJson, "params" | "description" | "outputs" | "paramSchema">>;

/** A schema with both maps spelled out (proto JSON may leave empty ones out; the diff reads both). */
export type FullSchema = Required<Pick<ConfigSchemaJson, "connectionConfig">> & {
  commands: Record<string, FullCommand>;
};

/** The seed 004 "my-crm" schema, plus a select field and a command with `addedInVersion`. */
export const CRM: FullSchema = {
  connectionConfig: {
    baseUrl: { type: "string", required: true, description: "CRM API base URL" },
    apiKey: { type: "string", required: true, secret: true, description: "API key" },
    region: { type: "select", options: ["eu", "us"], default: "eu" },
  },
  commands: {
    listContacts: {
      params: ["limit", "offset"],
      description: "List contacts from the CRM",
      outputs: ["contacts", "total"],
      paramSchema: { limit: { type: "number", default: 50 }, offset: { type: "number", default: 0 } },
    },
    createContact: {
      params: ["email", "firstName", "lastName"],
      description: "Create a new contact",
      outputs: ["contactId"],
      paramSchema: { email: { type: "string", required: true } },
    },
    listUsers: {
      params: ["limit"],
      description: "List users",
      outputs: ["users"],
      paramSchema: {},
      addedInVersion: "1.0.0",
    },
  },
};

/** A copy of `schema` changed by `edit`. */
export function edited(edit: (schema: FullSchema) => void, schema = CRM): FullSchema {
  const copy = structuredClone(schema);
  edit(copy);
  return copy;
}

/** The named command of `schema`; throws when it is missing so a typo fails the test. */
export function commandOf(schema: FullSchema, name: string): FullCommand {
  const command = schema.commands[name];
  if (command === undefined) throw new Error(`fixture has no command ${name}`);
  return command;
}

/** The named connection field of `schema`; throws when it is missing. */
export function fieldOf(schema: FullSchema, name: string): FieldSpecJson {
  const field = schema.connectionConfig[name];
  if (field === undefined) throw new Error(`fixture has no connection field ${name}`);
  return field;
}

/** A one-command schema whose command `c` has the single typed param `p` (or untyped when `{}`). */
export function withParam(param: Partial<FieldSpecJson>): ConfigSchemaJson {
  const paramSchema: Record<string, FieldSpecJson> =
    param.type === undefined ? {} : { p: { ...param, type: param.type } };
  return {
    connectionConfig: {},
    commands: { c: { params: ["p"], description: "C", outputs: [], paramSchema } },
  };
}

/** A schema whose only connection field `f` is `field`. */
export function withField(field: FieldSpecJson): ConfigSchemaJson {
  return { connectionConfig: { f: field }, commands: {} };
}
