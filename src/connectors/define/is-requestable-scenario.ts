import { getOption } from "@bufbuild/protobuf";
import { rules } from "../../../gen/patchbay/v1/common_pb.ts";
import { ExecuteMetadataSchema } from "../../../gen/patchbay/v1/execute_pb.ts";

/**
 * True when a mock scenario's name keeps the rule declared on `ExecuteMetadata.mock_scenario` (its length
 * and pattern), so that a call can ask for it by name.
 */
export function isRequestableScenario(name: string): boolean {
  const rule = getOption(ExecuteMetadataSchema.field.mockScenario, rules);
  const length = [...name].length;
  if (length === 0 || (rule.maxLen > 0 && length > rule.maxLen)) return false;
  return rule.pattern === "" || new RegExp(rule.pattern, "u").test(name);
}
