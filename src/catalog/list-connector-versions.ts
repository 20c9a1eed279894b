import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import {
  type ListConnectorVersionsResponse,
  ListConnectorVersionsResponseSchema,
} from "../../gen/patchbay/v1/catalog_pb.ts";
import { findVisibleConnector } from "./catalog-access.ts";
import { ConnectorVersionEntity } from "./connector-entity.ts";
import { schemaForCaller } from "./schema-for-caller.ts";
import { schemaOfRow } from "./stored-schema.ts";

/** The most versions one answer holds, newest first. */
const MAX_VERSIONS = 100;

/**
 * ListConnectorVersions: the stored versions of the connector `tenantId` means by `slug`, newest first.
 * A script's source is the tenant's own code: it goes to that tenant, and for the connectors that ship
 * with Patchbay (their source is in this repository) to everyone, never to the other tenants a
 * connector is published to.
 */
export async function listConnectorVersions(
  em: EntityManager,
  tenantId: string,
  slug: string,
): Promise<ListConnectorVersionsResponse> {
  const row = await findVisibleConnector(em, tenantId, slug);
  if (row === undefined) throw new ConnectError("connector not found", Code.NotFound);
  const sourceVisible = row.tenantId === tenantId || row.tenantId === null;
  const versions = await em.find(
    ConnectorVersionEntity,
    { connectorId: row.id },
    {
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      limit: MAX_VERSIONS,
      // A source the caller may not see (up to a megabyte a version) is not read at all.
      ...(sourceVisible ? {} : { exclude: ["scriptSource"] as const }),
    },
  );
  return create(ListConnectorVersionsResponseSchema, {
    versions: versions.map((version) => ({
      version: version.version,
      configSchema: schemaForCaller(schemaOfRow(version)),
      createTime: timestampFromDate(version.createdAt),
      // Read only when visible (the type cannot follow the conditional exclude above).
      scriptSource: sourceVisible ? ((version as { scriptSource?: string | null }).scriptSource ?? "") : "",
    })),
  });
}
