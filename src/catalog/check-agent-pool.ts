import { Code, ConnectError } from "@connectrpc/connect";

/** An agent pool's name (as API keys of scope `agent` are bound to). */
const POOL = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A connector's agent pool as stored: null for none (empty), else a checked name. */
export function checkAgentPool(pool: string | undefined): string | null {
  const name = pool?.trim() ?? "";
  if (name === "") return null;
  if (!POOL.test(name)) {
    throw new ConnectError(
      "agent_pool must be 1-63 of [a-z0-9-], starting with a letter or digit",
      Code.InvalidArgument,
    );
  }
  return name;
}
