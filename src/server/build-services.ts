import { hostname } from "node:os";
import {
  type AgentDeps,
  type AgentStreamLimits,
  createAgentHub,
  createAgentPresence,
  createAgentRelay,
  createAgentRouter,
  createRelaySeal,
} from "../agents/index.ts";
import { type ApiKeyServiceDeps, type ApiKeyStore, createApiKeyAdmin } from "../auth/index.ts";
import { type CatalogDeps, createConnectorLookup, type RequestLimits } from "../catalog/index.ts";
import {
  type ConnectionDeps,
  createConnectionUser,
  createLiveConnectionCounter,
  createTokenRefresher,
  type TokenRefresher,
} from "../connections/index.ts";
import { BUILT_IN_DEFINITIONS } from "../connectors/index.ts";
import { createTokenCache, type OpenApiImporter } from "../connectors/openapi/index.ts";
import type { Sandbox } from "../connectors/script/index.ts";
import { createNativeQuery, type Database } from "../db/index.ts";
import {
  type CommandRunner,
  createCommandRunner,
  createCredentialTest,
  type ExecuteDeps,
  type ExecutionRecorder,
  type ExternalClients,
} from "../execute/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/index.ts";
import type { OutboundClient } from "../outbound/index.ts";
import type { PageTokens } from "../paging/index.ts";
import type { RateLimitTiers } from "../ratelimit/index.ts";
import type { SecretBox } from "../secrets/index.ts";
import type { Tracing } from "../tracing/index.ts";
import { createWebhookRegistrar, type WebhookDeps } from "../webhooks/index.ts";

/** The server's infrastructure, opened by `startServer` before any feature is built. */
export interface Infrastructure {
  readonly db: Database;
  /** This replica's id (lower-case hex): its LISTEN connection's name and its agent relay channel. */
  readonly replicaId: string;
  readonly logger: Logger;
  readonly secretBox: SecretBox;
  readonly pageTokens: PageTokens;
  readonly outbound: OutboundClient;
  /** The external connector clients every command and credential test shares. */
  readonly externalClients: ExternalClients;
  readonly openapi: OpenApiImporter;
  readonly sandbox: Sandbox;
  readonly recorder: ExecutionRecorder;
  readonly keys: ApiKeyStore;
  /** The webhook feature's dependencies (its queue is open; its worker starts last). */
  readonly webhooks: WebhookDeps;
  /** The one clock. */
  readonly now: () => Date;
  /** The metrics registry; undefined when metrics are off. */
  readonly metrics?: Metrics | undefined;
  /** The tracer; undefined when tracing is off. */
  readonly tracing?: Tracing | undefined;
}

/** The settings the features read (from `Config`). */
export interface ServiceSettings {
  readonly publicUrl: string;
  readonly oauthClients: ReadonlyMap<string, { readonly clientId: string; readonly clientSecret: string }>;
  readonly oauthRefreshMarginSeconds: number;
  readonly oauthAllowLoopbackHttp: boolean;
  /** Per-tier limits; undefined when rate limiting is off (any well-formed tier name is accepted). */
  readonly rateLimits: RateLimitTiers | undefined;
  /** The catalog RPCs' request size limits (the body limit, and the OpenAPI one for descriptions). */
  readonly requestLimits?: RequestLimits;
}

/** Every feature's collaborators, built once, in dependency order, and never changed afterwards. */
export interface Services {
  readonly catalog: CatalogDeps;
  readonly connections: ConnectionDeps;
  /** Fresh OAuth tokens of a connection, refreshed single-flight. */
  readonly tokens: TokenRefresher;
  readonly execute: ExecuteDeps;
  /** Execute's path for webhook command targets (dispatch, failure classes, records). */
  readonly commands: CommandRunner;
  readonly webhooks: WebhookDeps;
  readonly apiKeys: ApiKeyServiceDeps;
  /** On-premise agents: their streams and the requests sent through them. */
  readonly agents: AgentDeps;
}

/**
 * Builds every feature's collaborators from the open infrastructure: the connector lookup before the
 * catalog that invalidates it, the connections before Execute that uses them, the webhook registrar
 * before Execute's setup commands, and Execute before the command runner the delivery worker takes.
 * Nothing is finished by assignment afterwards; route registration and workers only read the result.
 */
export function buildServices(
  infra: Infrastructure,
  settings: ServiceSettings,
  /** Aborted when the server begins to stop (long-lived streams end then). */
  leaving: AbortSignal,
): Services {
  const { db, replicaId, logger, secretBox, pageTokens, outbound, now } = infra;
  const em = () => db.em();
  const builtins = new Map(BUILT_IN_DEFINITIONS.map((d) => [d.name, d]));
  const envOAuthClients = new Set(settings.oauthClients.keys());
  const lookup = createConnectorLookup({ em, secretBox, builtins, envOAuthClients });
  // The on-premise agents, before everything that may send a connector's requests through them: this
  // replica's streams, every replica's (shared through the database) and the relay between replicas.
  const query = createNativeQuery(em);
  const presence = createAgentPresence({
    query,
    logger,
    replicaId,
    replicaHost: hostname().slice(0, 255),
    local: () => agentHub.list(),
    refreshMs: AGENT_PRESENCE_REFRESH_MS,
  });
  const agentHub = createAgentHub({
    maxResponseBodyBytes: AGENT_MAX_RESPONSE_BYTES,
    streamLimits: AGENT_STREAM_LIMITS,
    now,
    watcher: presence,
  });
  const relay = createAgentRelay({
    query,
    logger,
    replicaId,
    hub: agentHub,
    seal: createRelaySeal(secretBox),
  });
  const agentSender = createAgentRouter({ hub: agentHub, presence, relay });
  const catalog: CatalogDeps = {
    em,
    pageTokens,
    secretBox,
    builtins,
    outbound,
    agents: agentSender,
    openapi: infra.openapi,
    envOAuthClients,
    liveConnections: createLiveConnectionCounter(em),
    changed: (slug) => lookup.forget(slug),
    now,
    ...(settings.requestLimits !== undefined ? { requestLimits: settings.requestLimits } : {}),
  };
  // Execute's dispatch, built before the connections that test credentials with it (it needs no
  // connection user) and shared with Execute below.
  const openapiTokens = createTokenCache();
  const testCredentials = createCredentialTest({
    logger,
    outbound,
    externalClients: infra.externalClients,
    agents: agentSender,
    sandbox: infra.sandbox,
    openapiTokens,
  });
  const connections: ConnectionDeps = {
    em,
    secretBox,
    lookup,
    pageTokens,
    publicUrl: settings.publicUrl,
    logger,
    outbound,
    testCredentials,
    oauthClients: settings.oauthClients,
    oauthRefreshMarginSeconds: settings.oauthRefreshMarginSeconds,
    oauthAllowLoopbackHttp: settings.oauthAllowLoopbackHttp,
    metrics: infra.metrics?.connections,
    tracing: infra.tracing,
    now,
  };
  const tokens = createTokenRefresher(connections, lookup);
  const execute: ExecuteDeps = {
    em,
    lookup,
    useConnection: createConnectionUser(connections, tokens),
    webhookRegistrar: createWebhookRegistrar(infra.webhooks),
    recorder: infra.recorder,
    pageTokens,
    logger,
    outbound,
    externalClients: infra.externalClients,
    agents: agentSender,
    sandbox: infra.sandbox,
    openapiTokens,
    metrics: infra.metrics?.execute,
    tracing: infra.tracing,
    now,
  };
  const apiKeys: ApiKeyServiceDeps = {
    admin: createApiKeyAdmin({
      em,
      keys: infra.keys,
      // A new key's tier must be one the rate limits define (any well-formed name while they are off).
      knownTiers: settings.rateLimits === undefined ? undefined : [...settings.rateLimits.keys()],
      now,
    }),
    pageTokens,
    now,
  };
  return {
    catalog,
    connections,
    tokens,
    execute,
    commands: createCommandRunner(execute),
    webhooks: infra.webhooks,
    apiKeys,
    agents: {
      hub: agentHub,
      presence,
      relay,
      sender: agentSender,
      keys: infra.keys,
      logger,
      heartbeatMs: AGENT_HEARTBEAT_MS,
      keyCheckMs: AGENT_KEY_CHECK_MS,
      maxResponseBodyBytes: AGENT_MAX_RESPONSE_BYTES,
      leaving,
    },
  };
}

/** How often agents and the server tell each other they are there (docs/agent.md). */
const AGENT_HEARTBEAT_MS = 10_000;
/** How often a replica refreshes its agents' rows in the shared view (in flight, last heartbeat). */
const AGENT_PRESENCE_REFRESH_MS = 5_000;
/** How often an agent stream's key is verified again: a revoked key's streams end within this. */
const AGENT_KEY_CHECK_MS = 5_000;
/**
 * Agent streams one process holds (docs/agent.md): 64 per key (agents of a pool may share a key), 100 per
 * tenant (a tenant's admin key can make any number of agent keys) and 1,000 in all, so a tenant takes at
 * most a tenth of a replica's.
 */
const AGENT_STREAM_LIMITS: AgentStreamLimits = { perKey: 64, perTenant: 100, total: 1_000 };
/** Largest answer body taken from an agent. */
const AGENT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
