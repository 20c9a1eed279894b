import type { ScriptLimitsJson } from "../../gen/patchbay/v1/catalog_pb.ts";
import type { ConfigSchemaJson } from "../../gen/patchbay/v1/common_pb.ts";
import type { ExternalProtocol } from "../connectors/external/index.ts";
import type { AuthType, ConnectorDefinition, OAuthSettings } from "../connectors/index.ts";
import type { OpenApiPlan } from "../connectors/openapi/index.ts";
import type { Availability } from "./availabilities.ts";
import { findVisibleConnector } from "./catalog-access.ts";
import type { CatalogDeps } from "./catalog-deps.ts";
import { configContext } from "./catalog-deps.ts";
import { ConnectorEntity, type ConnectorRow } from "./connector-entity.ts";
import { availabilityOf, isConfigured } from "./connector-message.ts";
import type { ExecutionModel } from "./execution-models.ts";
import { schemaOfRow } from "./stored-schema.ts";

/** What other features may know of a connector: no table access, secrets opened only on request. */
export interface ConnectorView {
  id: string;
  slug: string;
  /** The owning tenant; null for built-in and seeded connectors. */
  tenantId: string | null;
  authType: AuthType;
  executionModel: ExecutionModel;
  version: string;
  availability: Availability;
  availabilityReason: string;
  configured: boolean;
  /**
   * The stored schema as proto JSON: a value left out is its default (no `params`: none). Read as is,
   * since decoding a large OpenAPI-derived schema on every lookup would cost more than the call.
   */
  configSchema: ConfigSchemaJson;
  /** The built-in definition that runs it (its type), when it is built-in. */
  definition: ConnectorDefinition | undefined;
  mockScenario: string | undefined;
  /** A script connector's sandbox limits (absent fields: the defaults). */
  scriptLimits: ScriptLimitsJson;
  /** A script connector's source (the version the row holds). */
  scriptSource: string | undefined;
  /** Execution records keep params and payloads (redacted). */
  recordPayloads: boolean;
  /** The on-premise agent pool its HTTP requests travel through (in the caller's tenant); undefined: none. */
  agentPool: string | undefined;
  /** Where an external connector runs, and how to call it. */
  endpointUrl: string | undefined;
  protocol: ExternalProtocol | undefined;
  /** How an OpenAPI-derived connector's commands become HTTP requests. */
  openapi: OpenApiPlan | undefined;
  /** OAuth settings: the built-in definition's, or those stored with the connector (an imported flow). */
  oauth: OAuthSettings | undefined;
  /** The decrypted instance config ({} when none). */
  instanceConfig(): Record<string, unknown>;
}

/**
 * Finds the live connector a tenant means by a slug: its own, a shared (built-in or seeded) one, or a
 * published one. Another tenant's unpublished connector is never found.
 */
export interface ConnectorLookup {
  (tenantId: string, slug: string): Promise<ConnectorView | undefined>;
  /** Drops what is remembered about a slug for every tenant (every slug without one), after a catalog write. */
  forget(slug?: string): void;
}

/**
 * How long a looked-up connector is reused without reading its row again. Catalog writes on this
 * replica take effect at once (they call `forget`); on other replicas within this time.
 */
export const CONNECTOR_CACHE_MS = 2_000;
const CONNECTOR_CACHE_MAX = 5_000;
/** OpenAPI plans kept (with their compiled validators), least recently used dropped: plans are large. */
const PLAN_CACHE_MAX = 64;

/** Creates the lookup other features use to read the catalog. */
export function createConnectorLookup(
  deps: Pick<CatalogDeps, "em" | "secretBox" | "builtins" | "envOAuthClients">,
  now: () => number = Date.now,
): ConnectorLookup {
  // Keyed by tenant and slug: which row a slug names depends on who asks.
  const cache = new Map<string, { slug: string; view: ConnectorView; until: number }>();
  const plans = new Map<string, { updatedAt: number; plan: OpenApiPlan }>();
  const lookup = async (tenantId: string, slug: string) => {
    const at = now();
    const key = `${tenantId}\n${slug}`;
    const cached = cache.get(key);
    if (cached !== undefined && cached.until > at) return cached.view;
    const view = await read(tenantId, slug);
    if (view === undefined) cache.delete(key);
    else {
      if (cache.size >= CONNECTOR_CACHE_MAX) cache.clear();
      cache.set(key, { slug, view, until: at + CONNECTOR_CACHE_MS });
    }
    return view;
  };
  return Object.assign(lookup, {
    forget(slug?: string) {
      if (slug === undefined) cache.clear();
      else for (const [key, entry] of cache) if (entry.slug === slug) cache.delete(key);
    },
  });

  /**
   * An OpenAPI plan is large and changes only with the row: it is read again only when the row was
   * updated, so the same plan object (and the validators compiled for it) serves every later call.
   */
  async function planOf(row: ConnectorRow): Promise<OpenApiPlan | undefined> {
    const known = plans.get(row.id);
    if (known !== undefined && known.updatedAt === row.updatedAt.getTime()) {
      plans.delete(row.id); // most recently used last
      plans.set(row.id, known);
      return known.plan;
    }
    const loaded = await deps
      .em()
      .findOne(ConnectorEntity, { id: row.id }, { fields: ["id", "openapiPlan"] });
    const plan = loaded?.openapiPlan ?? undefined;
    if (plans.size >= PLAN_CACHE_MAX) plans.delete(plans.keys().next().value as string);
    if (plan !== undefined) plans.set(row.id, { updatedAt: row.updatedAt.getTime(), plan });
    return plan;
  }

  async function read(tenantId: string, slug: string): Promise<ConnectorView | undefined> {
    const row = await findVisibleConnector(deps.em(), tenantId, slug);
    if (row === undefined) return undefined;
    const openapi = row.executionModel === "openapi" ? await planOf(row) : undefined;
    const definition = row.executionModel === "built_in" ? deps.builtins.get(row.type) : undefined;
    const { availability, reason } = availabilityOf(row, deps.envOAuthClients);
    const sealed = row.sealedConfig;
    return {
      id: row.id,
      slug: row.slug,
      tenantId: row.tenantId ?? null,
      authType: row.authType,
      executionModel: row.executionModel,
      version: row.version,
      availability,
      availabilityReason: reason,
      configured: isConfigured(row, deps.envOAuthClients),
      configSchema: schemaOfRow(row),
      definition,
      mockScenario: row.mockScenario ?? undefined,
      recordPayloads: row.recordPayloads ?? false,
      agentPool: row.agentPool ?? undefined,
      scriptSource: row.scriptSource ?? undefined,
      scriptLimits: row.scriptLimits ?? {},
      endpointUrl: row.endpointUrl ?? undefined,
      protocol: row.protocol ?? undefined,
      openapi,
      oauth: definition?.oauth ?? row.oauthSettings ?? undefined,
      instanceConfig: () =>
        sealed == null
          ? {}
          : (JSON.parse(deps.secretBox.openText(sealed, configContext(row.id))) as Record<string, unknown>),
    };
  }
}
