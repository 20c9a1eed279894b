import { isObject } from "./json-schema.ts";
import { type OpenApiPlan, PLAN_REF_PREFIX } from "./openapi-plan.ts";

/**
 * What one command of a plan sends, as comparable text: its operation (method, path, parameters, body,
 * security), every shared schema it reaches, and the plan's base URL and security schemes. Two plans
 * give the same text for a command exactly when its requests and their checks are the same: object
 * keys are sorted (a plan read back from PostgreSQL has its keys in jsonb's order, not the import's),
 * and each `$ref` is replaced by the order in which it was first reached, whatever the shared schemas
 * are named. "" for a command the plan does not have.
 */
export function requestFingerprint(plan: OpenApiPlan, command: string): string {
  const operation = Object.hasOwn(plan.operations, command) ? plan.operations[command] : undefined;
  if (operation === undefined) return "";
  const order = new Map<string, number>();
  const replacer = (key: string, value: unknown): unknown => {
    if (key === "$ref" && typeof value === "string" && value.startsWith(PLAN_REF_PREFIX)) {
      const name = value.slice(PLAN_REF_PREFIX.length);
      let index = order.get(name);
      if (index === undefined) {
        index = order.size;
        order.set(name, index);
      }
      return `#${index}`;
    }
    if (!isObject(value)) return value;
    const sorted: Record<string, unknown> = {};
    for (const name of Object.keys(value).sort()) sorted[name] = value[name];
    return sorted;
  };
  const parts = [
    JSON.stringify([plan.baseUrl, plan.security, plan.securitySchemes], replacer),
    JSON.stringify(operation, replacer),
  ];
  const schemas = plan.schemas ?? {};
  // A Map visits the entries added while it is iterated: each schema reached is written once.
  for (const name of order.keys())
    parts.push(JSON.stringify(Object.hasOwn(schemas, name) ? schemas[name] : null, replacer));
  return parts.join("\n");
}
