import { LRUCache } from "lru-cache";
import type { ScriptLimitsJson } from "../../gen/patchbay/v1/catalog_pb.ts";
import type { ConfigSchemaJson } from "../../gen/patchbay/v1/common_pb.ts";
import type { ExternalProtocol } from "../connectors/external/index.ts";
import type { AuthType, ConnectorDefinition, OAuthSettings } from "../connectors/index.ts";
import type { OpenApiPlan } from "../connectors/openapi/index.ts";
import type { Availability } from "./availabilities.ts";
import { findVisibleConnector } from "./catalog-access.ts";
import type { CatalogDeps } from "./catalog-deps.ts";
import { openInstanceConfig } from "./catalog-deps.ts";
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
 * replica take effect at once (they call `forget`); on other replicas within this time plus
 * {@link CONNECTOR_STALE_MS} and one read.
 */
export const CONNECTOR_CACHE_MS = 2_000;
/**
 * How much longer an entry past {@link CONNECTOR_CACHE_MS} may still be answered while one call reads
 * the row again (stale-while-revalidate): the calls in flight when a busy connector's entry lapses do not
 * each wait for (and queue) a query. An older entry is not answered: the call waits for the read.
 */
export const CONNECTOR_STALE_MS = CONNECTOR_CACHE_MS;
const CONNECTOR_CACHE_MAX = 5_000;
/** OpenAPI plans kept (with their compiled validators), least recently used dropped: plans are large. */
const PLAN_CACHE_MAX = 64;

/** What one read of a (tenant, slug) found (undefined: no visible connector), and when. */
interface Found {
  readonly view: ConnectorView | undefined;
  readonly at: number;
}

/** Creates the lookup other features use to read the catalog. */
export function createConnectorLookup(
  deps: Pick<CatalogDeps, "em" | "secretBox" | "builtins" | "envOAuthClients">,
  now: () => number = Date.now,
): ConnectorLookup {
  // Reads running, by cache key (a count: a forgotten read may still run beside its successor). lru-cache
  // lists no key whose first read is in flight, and forget(slug) must reach those too.
  const reading = new Map<string, number>();
  /*
   * Keyed by tenant and slug: which row a slug names depends on who asks. lru-cache's fetch() shares one
   * read among concurrent misses of a key and answers an entry past its TTL while exactly one read
   * refreshes it. Checked here on every answer, since lru-cache does not:
   * - delete() and clear() (forget) abort a read in flight; `ignoreFetchAbort` lets it answer the calls
   *   already waiting, but lru-cache then never stores it, so a read from before a write is not kept.
   * - a read finding no connector is stored as such (returning undefined would put the stale entry back)
   *   and the call that sees it drops the entry: a missing slug is not remembered.
   * - a stale entry is answered only within CONNECTOR_STALE_MS.
   * - a failed refresh keeps the stale entry (`noDeleteOnFetchRejection`): calls within the bound are
   *   still answered, the next call tries again; a call past the bound waits and gets the error.
   */
  const cache = new LRUCache<string, Found, { tenantId: string; slug: string }>({
    max: CONNECTOR_CACHE_MAX,
    ttl: CONNECTOR_CACHE_MS,
    // Staleness is read from `now` on every call (lru-cache's default reuses a reading for 1 ms).
    ttlResolution: 0,
    perf: { now },
    allowStale: true,
    noDeleteOnStaleGet: true,
    noDeleteOnFetchRejection: true,
    ignoreFetchAbort: true,
    fetchMethod: async (key, _stale, { context }) => {
      reading.set(key, (reading.get(key) ?? 0) + 1);
      try {
        const view = await read(context.tenantId, context.slug);
        // Its age counts from when the read finished, as lru-cache's TTL does.
        return { view, at: now() };
      } finally {
        const left = (reading.get(key) ?? 1) - 1;
        if (left === 0) reading.delete(key);
        else reading.set(key, left);
      }
    },
  });
  const plans = new Map<string, { updatedAt: number; plan: OpenApiPlan }>();
  const lookup = async (tenantId: string, slug: string) => {
    const at = now();
    const key = `${tenantId}\n${slug}`;
    const context = { tenantId, slug };
    let found = await cache.fetch(key, { context });
    if (found === undefined || at - found.at >= CONNECTOR_CACHE_MS + CONNECTOR_STALE_MS) {
      // Too old to answer: wait for the read the first fetch started (or start one).
      found = await cache.fetch(key, { context, allowStale: false });
    }
    // fetch() answers undefined only for a read aborted without a result, which ignoreFetchAbort rules out.
    if (found === undefined) return read(tenantId, slug);
    if (found.view === undefined && cache.peek(key) === found) cache.delete(key);
    return found.view;
  };
  return Object.assign(lookup, {
    forget(slug?: string) {
      if (slug === undefined) {
        cache.clear();
        return;
      }
      const slugOf = (key: string) => key.slice(key.lastIndexOf("\n") + 1);
      const keys = [...cache.keys(), ...reading.keys()].filter((key) => slugOf(key) === slug);
      for (const key of keys) cache.delete(key);
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
      instanceConfig: () => openInstanceConfig(deps.secretBox, { id: row.id, sealedConfig: sealed }),
    };
  }
}
