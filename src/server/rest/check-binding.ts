import { resolveFieldPath } from "./field-paths.ts";
import type { HttpBinding } from "./http-rules.ts";

/**
 * Refuses, at start-up, a rule that binds a field the request lacks, a repeated or map field (the spec
 * forbids it), or a body field that is not a top-level field, so a bad annotation never becomes a 500.
 */
export function checkBinding(binding: HttpBinding): void {
  const input = binding.method.input;
  const where = `${binding.method.parent.typeName}.${binding.method.name} (${binding.template.source})`;
  for (const variable of binding.template.variables) {
    const name = variable.fieldPath.join(".");
    const resolved = resolveFieldPath(input, variable.fieldPath);
    if (resolved === undefined) throw new Error(`${where}: path variable ${name} is not a field`);
    if (resolved.field.fieldKind === "list" || resolved.field.fieldKind === "map") {
      throw new Error(`${where}: path variable ${name} is repeated or a map`);
    }
  }
  if (binding.body !== "" && binding.body !== "*" && !input.fields.some((f) => f.name === binding.body)) {
    throw new Error(`${where}: body field ${binding.body} is not a top-level field`);
  }
}
