import { Code, ConnectError } from "@connectrpc/connect";
import type { ConfigSchemaJson } from "../../gen/patchbay/v1/common_pb.ts";
import { valueProblem } from "../connectors/index.ts";

/**
 * Checks instance config against a connector's connection fields (a stored schema's
 * `connectionConfig`): no unknown keys, every value of its declared type, every required field without
 * a default present (unless `partial`). INVALID_ARGUMENT lists each field with the reason and never a
 * value (config holds secrets).
 */
export function validateInstanceConfig(
  connectionConfig: ConfigSchemaJson["connectionConfig"],
  config: Readonly<Record<string, unknown>>,
  heading = "config is invalid",
  options: { partial?: boolean } = {},
): void {
  const fields = connectionConfig ?? {};
  const problems: string[] = [];
  for (const key of Object.keys(config)) {
    if (!Object.hasOwn(fields, key)) problems.push(`${key.slice(0, 64)} is not a connection field`);
  }
  for (const [key, field] of Object.entries(fields)) {
    const value = config[key];
    if (value === undefined || value === null || value === "") {
      // A default satisfies a required field; a partial config (shared instance settings) needs none.
      if (field.required && field.default === undefined && !options.partial)
        problems.push(`${key} is required`);
      continue;
    }
    const why = valueProblem(field.type ?? "string", field.options, value);
    if (why !== undefined) problems.push(`${key} ${why}`);
  }
  if (problems.length > 0) {
    throw new ConnectError(`${heading}: ${problems.join("; ")}`, Code.InvalidArgument);
  }
}
