import { type DescFile, type DescMessage, getOption, hasOption } from "@bufbuild/protobuf";
import { oneof_required, type Rules, rules } from "../../../gen/patchbay/v1/common_pb.ts";

function allMessages(messages: readonly DescMessage[]): DescMessage[] {
  return messages.flatMap((m) => [m, ...allMessages(m.nestedMessages)]);
}

/** The files and every file they import (common.proto declares shared messages). */
export function withImports(files: readonly DescFile[], seen = new Set<DescFile>()): DescFile[] {
  for (const file of files) {
    if (seen.has(file)) continue;
    seen.add(file);
    withImports(file.dependencies, seen);
  }
  return [...seen];
}

/**
 * A declared rule in docs/limits.md's words: `required, 1-256 characters`, `UUID`, `0 to 604800`,
 * ``at most 64 characters, matching `^[a-z]+$` ``.
 */
export function ruleCell(declared: Rules): string {
  const parts: string[] = [];
  if (declared.required) parts.push("required");
  const { minLen: min, maxLen: max } = declared;
  if (min > 0 && max > 0) parts.push(min === max ? `exactly ${min} characters` : `${min}-${max} characters`);
  else if (max > 0) parts.push(`at most ${max} characters`);
  else if (min > 0) parts.push(`at least ${min} characters`);
  if (declared.uuid) parts.push("UUID");
  if (declared.in.length > 0) parts.push(`one of ${declared.in.join(", ")}`);
  if (declared.pattern !== "") parts.push(`matching \`${declared.pattern}\``);
  if (declared.min !== undefined && declared.max !== undefined)
    parts.push(`${declared.min} to ${declared.max}`);
  else if (declared.min !== undefined) parts.push(`at least ${declared.min}`);
  else if (declared.max !== undefined) parts.push(`at most ${declared.max}`);
  return parts.join(", ");
}

/** Every declared field rule and required oneof of `files`, as `[full field name, cell]`. */
export function declaredRules(files: readonly DescFile[]): (readonly [string, string])[] {
  return withImports(files)
    .flatMap((file) => allMessages(file.messages))
    .flatMap((message) => [
      ...message.fields
        .filter((f) => hasOption(f, rules))
        .map((f) => [`${message.typeName}.${f.name}`, ruleCell(getOption(f, rules))] as const),
      ...message.oneofs
        .filter((o) => getOption(o, oneof_required))
        .map((o) => [`${message.typeName}.${o.name}`, "oneof: exactly one field set"] as const),
    ]);
}
