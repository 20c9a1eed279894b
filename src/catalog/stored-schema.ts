import type { CommandSpecJson, ConfigSchemaJson } from "../../gen/patchbay/v1/common_pb.ts";

/** The columns a schema is stored in, on `connectors` and on `connector_versions` alike. */
export interface StoredSchema {
  /** The schema without its commands' effect hints, in the shape every earlier release reads. */
  readonly configSchema: ConfigSchemaJson;
  /** Only the hints (`{commands: {<name>: {readOnly, destructive, idempotent}}}`); null when none is set. */
  readonly commandEffects: ConfigSchemaJson | null;
}

/** The command fields stored in `command_effects`: added after the previous release began reading strictly. */
const EFFECT_KEYS = [
  "readOnly",
  "destructive",
  "idempotent",
] as const satisfies readonly (keyof CommandSpecJson)[];

function effectsOf(command: CommandSpecJson): CommandSpecJson | undefined {
  const effects = Object.fromEntries(
    EFFECT_KEYS.filter((key) => command[key] !== undefined).map((key) => [key, command[key]]),
  );
  return Object.keys(effects).length === 0 ? undefined : effects;
}

function withoutEffects(command: CommandSpecJson): CommandSpecJson {
  const rest = { ...command };
  for (const key of EFFECT_KEYS) delete rest[key];
  return rest;
}

/**
 * The JSON a schema is stored as, split in two columns.
 *
 * `configSchema` is its proto JSON (`toJson`), with the lists and maps that releases before proto JSON
 * read without a default spelled out (both maps of the schema; a command's description, params, outputs
 * and paramSchema). Explicit defaults are valid proto JSON that `fromJson` reads like left-out ones, and
 * a rollback to such a release (or one of its replicas during a rolling update) reads every row this one
 * writes. Anything that compares stored schemas compares their canonical forms (canonical-schema.ts).
 *
 * `commandEffects` holds the fields of a command the previous release does not know (its `fromJson`
 * refuses unknown keys): read-only, destructive, idempotent. `schemaOfRow` puts them back. A command's
 * hint the previous release dropped by rewriting the schema stays in the column only while the command
 * exists, since only the commands of `configSchema` take hints from it.
 */
export function storedSchema(schema: ConfigSchemaJson): StoredSchema {
  const commands = Object.entries(schema.commands ?? {});
  const effects = commands.flatMap(([name, command]) => {
    const declared = effectsOf(command);
    return declared === undefined ? [] : [[name, declared] as const];
  });
  return {
    configSchema: {
      connectionConfig: schema.connectionConfig ?? {},
      commands: Object.fromEntries(
        commands.map(([name, command]) => [
          name,
          {
            ...withoutEffects(command),
            description: command.description ?? "",
            params: command.params ?? [],
            outputs: command.outputs ?? [],
            paramSchema: command.paramSchema ?? {},
          },
        ]),
      ),
    },
    commandEffects: effects.length === 0 ? null : { commands: Object.fromEntries(effects) },
  };
}

/**
 * A stored schema with its commands' effect hints put back: what the API returns, Execute checks and the
 * version diff compares. A row written by a release without the column, or with no hints, reads as
 * declaring none.
 */
export function schemaOfRow(row: {
  readonly configSchema: ConfigSchemaJson;
  readonly commandEffects?: ConfigSchemaJson | null | undefined;
}): ConfigSchemaJson {
  const effects = row.commandEffects?.commands;
  if (effects === undefined || row.configSchema.commands === undefined) return row.configSchema;
  return {
    ...row.configSchema,
    commands: Object.fromEntries(
      Object.entries(row.configSchema.commands).map(([name, command]) => {
        const declared = effects[name];
        return [name, declared === undefined ? command : { ...command, ...effectsOf(declared) }];
      }),
    ),
  };
}
