import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  ListConnectionsRequest,
  ListConnectionsResponseSchema,
} from "../../gen/patchbay/v1/connection_pb.ts";
import type { Principal } from "../auth/index.ts";
import {
  containsPattern,
  keysetOrderBy,
  keysetPage,
  keysetWhere,
  orderDirection,
  resolvePageSize,
} from "../paging/index.ts";
import type { ConnectionDeps } from "./connection-deps.ts";
import { ConnectionEntity } from "./connection-entity.ts";
import { toConnectionMessage } from "./connection-message.ts";

/**
 * `ListConnections`: the caller's own connections, filtered, searched (`q` over label and connector
 * slug), in the requested order (newest first by default) and counted (`total_size`, exact).
 */
export async function listConnections(
  deps: ConnectionDeps,
  principal: Principal,
  req: ListConnectionsRequest,
): Promise<MessageInitShape<typeof ListConnectionsResponseSchema>> {
  const pageSize = resolvePageSize(req.pageSize);
  const direction = orderDirection(req.orderBy, "desc");
  const filter = { connectorSlug: req.connectorSlug, status: req.status, q: req.q };
  // Every condition starts from the caller's own connections: q and the order only narrow and sort them.
  const where: Record<string, unknown> = {
    tenantId: principal.tenantId,
    subject: principal.subject,
    deletedAt: null,
  };
  if (req.connectorSlug !== "") where.connectorSlug = req.connectorSlug;
  if (req.status !== "") where.status = req.status;
  if (req.q !== "") {
    const like = containsPattern(req.q);
    where.$or = [{ label: { $ilike: like } }, { connectorSlug: { $ilike: like } }];
  }
  // A caller's connections are few (one per connector and label): counting them is cheap and exact.
  const totalSize = await deps.em().count(ConnectionEntity, { ...where });
  const fields = { at: "createdAt", id: "id" };
  // Ties broken by id: the next page starts strictly after the last row seen, in the page's order.
  const paging = keysetPage(deps.pageTokens, {
    scope: "connections",
    filter,
    pageToken: req.pageToken,
    pageSize,
    direction,
  });
  const rows = await deps
    .em()
    .find(
      ConnectionEntity,
      paging.after === undefined ? where : { $and: [where, keysetWhere(paging.after, fields, direction)] },
      { orderBy: keysetOrderBy(direction, fields), limit: paging.limit },
    );
  const { page, next } = paging.finish(rows, (row) => ({ at: row.createdAt.toISOString(), id: row.id }));
  return { connections: page.map(toConnectionMessage), nextPageToken: next, totalSize };
}
