import type { ConnectorDefinition } from "../connectors/index.ts";
import type { CatalogDeps } from "./catalog-deps.ts";
import { configContext } from "./catalog-deps.ts";
import { ConnectorEntity, type StoredConfigSchema } from "./connector-entity.ts";
import { availabilityOf, isConfigured } from "./connector-message.ts";

/** What other features may know of a connector: no table access, secrets opened only on request. */
export interface ConnectorView {
  id: string;
  slug: string;
  authType: string;
  executionModel: string;
  version: string;
  availability: string;
  availabilityReason: string;
  configured: boolean;
  configSchema: StoredConfigSchema;
  /** The built-in definition that runs it (its type), when it is built-in. */
  definition: ConnectorDefinition | undefined;
  mockScenario: string | undefined;
  /** Where an external connector runs, and how to call it. */
  endpointUrl: string | undefined;
  protocol: string | undefined;
  /** The decrypted instance config ({} when none). */
  instanceConfig(): Record<string, unknown>;
}

/** Finds a live connector by slug. */
export type ConnectorLookup = (slug: string) => Promise<ConnectorView | undefined>;

/** Creates the lookup other features use to read the catalog. */
export function createConnectorLookup(
  deps: Pick<CatalogDeps, "em" | "secretBox" | "builtins" | "envOAuthClients">,
): ConnectorLookup {
  return async (slug) => {
    const row = await deps.em().findOne(ConnectorEntity, { slug, deletedAt: null });
    if (row === null) return undefined;
    const { availability, reason } = availabilityOf(row, deps.envOAuthClients);
    const sealed = row.sealedConfig;
    return {
      id: row.id,
      slug: row.slug,
      authType: row.authType,
      executionModel: row.executionModel,
      version: row.version,
      availability,
      availabilityReason: reason,
      configured: isConfigured(row, deps.envOAuthClients),
      configSchema: row.configSchema,
      definition: row.executionModel === "built_in" ? deps.builtins.get(row.type) : undefined,
      mockScenario: row.mockScenario ?? undefined,
      endpointUrl: row.endpointUrl ?? undefined,
      protocol: row.protocol ?? undefined,
      instanceConfig: () =>
        sealed == null
          ? {}
          : (JSON.parse(deps.secretBox.openText(sealed, configContext(row.id))) as Record<string, unknown>),
    };
  };
}
