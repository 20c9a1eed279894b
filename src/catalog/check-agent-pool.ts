import { Code, ConnectError } from "@connectrpc/connect";
import { AGENT_POOL_NAME } from "../auth/index.ts";

/** A connector's agent pool as stored: null for none (empty), else a name as agent keys are bound to. */
export function checkAgentPool(pool: string | undefined): string | null {
  const name = pool?.trim() ?? "";
  if (name === "") return null;
  if (!AGENT_POOL_NAME.test(name)) {
    throw new ConnectError(
      "agent_pool must be 1-63 of [a-z0-9-], starting with a letter or digit",
      Code.InvalidArgument,
    );
  }
  return name;
}
