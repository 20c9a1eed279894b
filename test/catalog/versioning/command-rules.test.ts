import { describe, expect, it } from "vitest";
import type { CommandSpecJson, ConfigSchemaJson } from "../../../gen/patchbay/v1/common_pb.ts";
import { COMMAND_RULES, diffSchemas, type SchemaChangeKind } from "../../../src/catalog/versioning/index.ts";

interface CommandCase {
  kind: SchemaChangeKind;
  previous: Partial<CommandSpecJson>;
  next: Partial<CommandSpecJson>;
  message: string;
}

const CASES: CommandCase[] = [
  {
    kind: "command_description_changed",
    previous: {},
    next: { description: "Other" },
    message: "description of command 'c' changed",
  },
  {
    kind: "command_deprecated",
    previous: {},
    next: { deprecated: true },
    message: "command 'c' was deprecated",
  },
  {
    kind: "command_undeprecated",
    previous: { deprecated: true },
    next: { deprecated: false },
    message: "command 'c' is no longer deprecated",
  },
  {
    kind: "command_deprecation_message_changed",
    previous: { deprecatedMessage: "Use d" },
    next: { deprecatedMessage: "Use e" },
    message: "deprecation message of command 'c' changed",
  },
  {
    kind: "command_added_in_version_changed",
    previous: { addedInVersion: "1.0.0" },
    next: { addedInVersion: "1.1.0" },
    message: "addedInVersion of command 'c' changed",
  },
  {
    kind: "command_read_only_changed",
    previous: {},
    next: { readOnly: true },
    message: "readOnly hint of command 'c' changed",
  },
  {
    kind: "command_destructive_changed",
    previous: { destructive: false },
    next: { destructive: true },
    message: "destructive hint of command 'c' changed",
  },
  {
    kind: "command_idempotent_changed",
    previous: { idempotent: true },
    next: {},
    message: "idempotent hint of command 'c' changed",
  },
  {
    kind: "command_changed",
    previous: { params: ["a", "b"] },
    next: { params: ["b", "a"] },
    message: "command 'c' changed",
  },
];

function schemaWith(command: Partial<CommandSpecJson>): ConfigSchemaJson {
  return {
    connectionConfig: {},
    commands: { c: { params: [], description: "C", outputs: [], paramSchema: {}, ...command } },
  };
}

describe("command metadata rules (patch: deprecated commands keep working, seed 004; effect hints describe, not change, a call)", () => {
  it("has one case per COMMAND_RULES row and one for the catch-all", () => {
    expect(CASES.map((c) => c.kind)).toEqual([...COMMAND_RULES.map((rule) => rule.kind), "command_changed"]);
  });

  it.each(CASES)("$kind is a patch change", ({ kind, previous, next, message }) => {
    expect(diffSchemas(schemaWith(previous), schemaWith(next))).toEqual([
      { level: "patch", kind, command: "c", message },
    ]);
  });
});
