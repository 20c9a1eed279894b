import type { EntityManager } from "@mikro-orm/sql";
import type { AgentSender } from "../agents/index.ts";
import type { ConnectorDefinition } from "../connectors/index.ts";
import type { OpenApiImporter } from "../connectors/openapi/index.ts";
import type { OutboundClient } from "../outbound/index.ts";
import type { PageTokens } from "../paging/index.ts";
import type { SecretBox } from "../secrets/index.ts";
import type { RequestLimits } from "./request-limits.ts";

/** Which live connections to leave out of a count. */
export interface LiveConnectionFilter {
  /** Leave out this tenant's. */
  readonly exceptTenant?: string;
  /** Leave out this subject's (of this tenant). */
  readonly exceptSubject?: { readonly tenantId: string; readonly subject: string };
}

/** What the catalog service needs. */
export interface CatalogDeps {
  /** A fresh entity manager per call. */
  em: () => EntityManager;
  pageTokens: PageTokens;
  /** Seals instance config at rest. */
  secretBox: SecretBox;
  /** Registered built-in connector types by name. */
  builtins: ReadonlyMap<string, ConnectorDefinition>;
  /** The server's outbound client: external connector endpoints are checked and reached under its guard. */
  outbound: OutboundClient;
  /**
   * The connected on-premise agents: an external connector naming an agent pool is checked through them
   * at registration. Absent in a one-shot command, where no agent can connect.
   */
  agents?: AgentSender;
  /**
   * Imports OpenAPI descriptions (ParseOpenApi, openapi connectors) on the server's import worker. The
   * catalog service hands each call a view that counts the import against the caller's tenant.
   */
  openapi: Pick<OpenApiImporter, "parse">;
  /** The clock, set once by the composition root (tests pass their own). */
  now: () => Date;
  /** Connector slugs whose OAuth client comes from the environment. */
  envOAuthClients?: ReadonlySet<string>;
  /**
   * The request size limits of a server's catalog RPCs; absent in a one-shot command, which reads its
   * description from a file (no request limit applies).
   */
  requestLimits?: RequestLimits;
  /**
   * How many live (not deleted, not revoked) connections use a connector, optionally leaving out one
   * tenant's. Supplied by the connections feature: the catalog never reads its tables.
   */
  liveConnections: (connectorId: string, options?: LiveConnectionFilter) => Promise<number>;
  /** Called after a connector is created, updated or deleted (the lookup forgets its cached view). */
  changed: (slug: string) => void;
}

/** The sealing context of a connector's instance config (bound as associated data). */
export function configContext(connectorId: string): string {
  return `connector:${connectorId}:config`;
}

/** A connector's instance config, opened; `{}` when it has none. */
export function openInstanceConfig(
  secretBox: SecretBox,
  row: { readonly id: string; readonly sealedConfig?: string | null | undefined },
): Record<string, unknown> {
  return row.sealedConfig == null
    ? {}
    : (JSON.parse(secretBox.openText(row.sealedConfig, configContext(row.id))) as Record<string, unknown>);
}
