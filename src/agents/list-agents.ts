import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import {
  AgentSchema,
  type ListAgentsRequest,
  type ListAgentsResponse,
  ListAgentsResponseSchema,
} from "../../gen/patchbay/agent/v1/agent_pb.ts";
import { AGENT_POOL_NAME, requirePrincipal } from "../auth/index.ts";
import type { AgentPresence } from "./agent-presence.ts";

/** AgentService.ListAgents: the caller's tenant's connected agents on every replica. */
export async function listAgents(
  presence: Pick<AgentPresence, "list">,
  req: ListAgentsRequest,
  ctx: HandlerContext,
): Promise<ListAgentsResponse> {
  const { tenantId } = requirePrincipal(ctx);
  const pool = req.pool.trim();
  if (pool !== "" && !AGENT_POOL_NAME.test(pool)) {
    throw new ConnectError(
      "pool must be 1-63 of [a-z0-9-], starting with a letter or digit",
      Code.InvalidArgument,
    );
  }
  const agents = await presence.list(tenantId, pool === "" ? undefined : pool);
  return create(ListAgentsResponseSchema, {
    agents: agents.map((a) =>
      create(AgentSchema, {
        streamId: a.streamId,
        pool: a.pool,
        agentId: a.agentId,
        name: a.name,
        version: a.version,
        connectors: [...a.connectors],
        capacity: a.capacity,
        inFlight: a.inFlight,
        draining: a.draining,
        replicaId: a.replicaId,
        connectedAt: timestampFromDate(a.connectedAt),
        lastHeartbeatAt: timestampFromDate(a.lastHeardAt),
      }),
    ),
  });
}
