import { fromJson, toJson } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  CommandSpecSchema,
  type ConfigSchemaJson,
  ConfigSchemaSchema,
} from "../../gen/patchbay/v1/common_pb.ts";
import { schemaOfRow, storedSchema } from "../../src/catalog/stored-schema.ts";

const canonical = (schema: ConfigSchemaJson) =>
  toJson(ConfigSchemaSchema, fromJson(ConfigSchemaSchema, schema));

const SCHEMA: ConfigSchemaJson = {
  connectionConfig: { token: { type: "secret", secret: true } },
  commands: {
    list: { description: "List.", params: ["limit"], readOnly: true, idempotent: true },
    remove: { params: ["id"], readOnly: false, destructive: true, idempotent: true },
    add: { destructive: false },
    ping: {},
  },
};

// The CommandSpec fields of the release before effect hints (numbers 1-7): what its strict `fromJson`
// reads. Derived from the descriptor, so a field added later is never mistaken for an old one.
const PREVIOUS_RELEASE_KEYS = new Set(
  CommandSpecSchema.fields.filter((field) => field.number <= 7).map((field) => field.jsonName),
);

describe("storedSchema and schemaOfRow", () => {
  it("keeps effect hints out of config_schema, so the previous release reads every command", () => {
    const { configSchema } = storedSchema(SCHEMA);
    for (const command of Object.values(configSchema.commands ?? {})) {
      for (const key of Object.keys(command)) expect(PREVIOUS_RELEASE_KEYS).toContain(key);
    }
    expect(configSchema.commands?.list).toEqual({
      description: "List.",
      params: ["limit"],
      outputs: [],
      paramSchema: {},
    });
  });

  it("stores the hints, false ones included, in command_effects, and only for commands that set one", () => {
    expect(storedSchema(SCHEMA).commandEffects).toEqual({
      commands: {
        list: { readOnly: true, idempotent: true },
        remove: { readOnly: false, destructive: true, idempotent: true },
        add: { destructive: false },
      },
    });
    expect(storedSchema({ commands: { ping: {} } }).commandEffects).toBeNull();
  });

  it("reads the two columns back as the schema that was stored", () => {
    expect(canonical(schemaOfRow(storedSchema(SCHEMA)))).toEqual(canonical(SCHEMA));
  });

  it("reads a row of the previous release (no command_effects) as declaring no hints", () => {
    const { configSchema } = storedSchema(SCHEMA);
    for (const commandEffects of [null, undefined]) {
      const read = schemaOfRow({ configSchema, commandEffects });
      expect(read).toBe(configSchema);
      expect(read.commands?.list?.readOnly).toBeUndefined();
    }
  });

  it("applies stored hints only to commands the schema still has (the previous release may drop one)", () => {
    const { commandEffects } = storedSchema(SCHEMA);
    const rewritten = storedSchema({ commands: { list: { description: "List." }, fresh: {} } }).configSchema;
    const read = schemaOfRow({ configSchema: rewritten, commandEffects });
    expect(Object.keys(read.commands ?? {})).toEqual(["list", "fresh"]);
    expect(read.commands?.list).toMatchObject({ readOnly: true, idempotent: true });
    expect(read.commands?.fresh?.readOnly).toBeUndefined();
  });
});
