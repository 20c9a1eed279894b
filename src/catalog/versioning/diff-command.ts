import { isDeepStrictEqual } from "node:util";
import type { CommandSpecJson } from "../../../gen/patchbay/v1/common_pb.ts";
import { COMMAND_RULES } from "./command-rules.ts";
import { diffField } from "./diff-field.ts";
import type { FieldView } from "./field-rules.ts";
import { pairEntries } from "./pair-entries.ts";
import type { SchemaChange } from "./schema-change.ts";

/** A command's params: the names in `params` and the keys of `paramSchema`; a name without schema is `{}`. */
function paramsOf(command: CommandSpecJson): Record<string, FieldView> {
  const schema = new Map(Object.entries(command.paramSchema ?? {}));
  const names = new Set([...(command.params ?? []), ...schema.keys()]);
  return Object.fromEntries([...names].map((name) => [name, schema.get(name) ?? {}]));
}

function diffParams(command: string, previous: CommandSpecJson, next: CommandSpecJson): SchemaChange[] {
  const { removed, added, kept } = pairEntries(paramsOf(previous), paramsOf(next));
  const subject = (param: string) => `param '${param}' of command '${command}'`;
  return [
    ...removed.map(
      (param): SchemaChange => ({
        level: "major",
        kind: "param_removed",
        command,
        param,
        message: `${subject(param)} was removed`,
      }),
    ),
    // Seed 004: without a default, callers sending an old config that omits the param break.
    ...added.map(([param, field]): SchemaChange => {
      const where = { command, param };
      return field.default === undefined
        ? {
            level: "major",
            kind: "param_added_without_default",
            ...where,
            message: `${subject(param)} was added without a default`,
          }
        : {
            level: "minor",
            kind: "param_added_with_default",
            ...where,
            message: `${subject(param)} was added with a default`,
          };
    }),
    ...kept.flatMap(([param, before, after]) => diffField(before, after, subject(param), { command, param })),
  ];
}

function diffOutputs(command: string, previous: CommandSpecJson, next: CommandSpecJson): SchemaChange[] {
  const before = new Set(previous.outputs ?? []);
  const after = new Set(next.outputs ?? []);
  const change = (output: string, removed: boolean): SchemaChange => ({
    level: removed ? "major" : "minor",
    kind: removed ? "output_removed" : "output_added",
    command,
    output,
    message: `output '${output}' of command '${command}' was ${removed ? "removed" : "added"}`,
  });
  return [
    ...[...before].filter((output) => !after.has(output)).map((output) => change(output, true)),
    ...[...after].filter((output) => !before.has(output)).map((output) => change(output, false)),
  ];
}

/**
 * The changes to a command that exists in both schemas: its params, its outputs, then its metadata
 * (`COMMAND_RULES`); one patch-level `command_changed` when none of those names a difference that is
 * still there (params or outputs reordered, keys the rules do not know).
 */
export function diffCommand(
  command: string,
  previous: CommandSpecJson,
  next: CommandSpecJson,
): SchemaChange[] {
  const subject = `command '${command}'`;
  const changes: SchemaChange[] = [
    ...diffParams(command, previous, next),
    ...diffOutputs(command, previous, next),
    ...COMMAND_RULES.filter((rule) => rule.applies(previous, next)).map(
      (rule): SchemaChange => ({
        level: rule.level,
        kind: rule.kind,
        command,
        message: rule.describe(subject),
      }),
    ),
  ];
  if (changes.length === 0 && !isDeepStrictEqual(previous, next)) {
    changes.push({ level: "patch", kind: "command_changed", command, message: `${subject} changed` });
  }
  return changes;
}
