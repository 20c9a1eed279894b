import type { Migration } from "@mikro-orm/migrations";
import { M0001Foundation } from "./m0001-foundation.ts";
import { M0002RateLimits } from "./m0002-rate-limits.ts";
import { M0003ConnectorVersions } from "./m0003-connector-versions.ts";
import { M0004Connections } from "./m0004-connections.ts";
import { M0005Executions } from "./m0005-executions.ts";
import { M0006RecordPayloads } from "./m0006-record-payloads.ts";
import { M0007ScriptsAvailable } from "./m0007-scripts-available.ts";
import { M0008ScriptLimits } from "./m0008-script-limits.ts";
import { M0009Webhooks } from "./m0009-webhooks.ts";
import { M0010OpenApiConnectors } from "./m0010-openapi-connectors.ts";
import { M0011TenantCatalog } from "./m0011-tenant-catalog.ts";
import { M0012WebhookReplayKeys } from "./m0012-webhook-replay-keys.ts";
import { M0013ApiKeyExpiry } from "./m0013-api-key-expiry.ts";
import { M0014ExecutionReplies } from "./m0014-execution-replies.ts";
import { M0015ExecutionDeprecation } from "./m0015-execution-deprecation.ts";
import { M0016OAuthLinks } from "./m0016-oauth-links.ts";
import { M0017ExecutionProtocol } from "./m0017-execution-protocol.ts";
import { M0018CommandEffects } from "./m0018-command-effects.ts";
import { M0019McpLive } from "./m0019-mcp-live.ts";
import { M0020AgentPools } from "./m0020-agent-pools.ts";
import { M0021ConnectorAgentPools } from "./m0021-connector-agent-pools.ts";
import { M0022AgentRelay } from "./m0022-agent-relay.ts";
import { M0023ExecutionMockScenario } from "./m0023-execution-mock-scenario.ts";
import { M0024WebhookCommitTurn } from "./m0024-webhook-commit-turn.ts";

type MigrationClass = new (...args: ConstructorParameters<typeof Migration>) => Migration;

/** Every migration, oldest first. A new migration is a new file appended here; applied ones never change. */
export const MIGRATIONS: readonly { name: string; class: MigrationClass }[] = [
  { name: "m0001-foundation", class: M0001Foundation },
  { name: "m0002-rate-limits", class: M0002RateLimits },
  { name: "m0003-connector-versions", class: M0003ConnectorVersions },
  { name: "m0004-connections", class: M0004Connections },
  { name: "m0005-executions", class: M0005Executions },
  { name: "m0006-record-payloads", class: M0006RecordPayloads },
  { name: "m0007-scripts-available", class: M0007ScriptsAvailable },
  { name: "m0008-script-limits", class: M0008ScriptLimits },
  { name: "m0009-webhooks", class: M0009Webhooks },
  { name: "m0010-openapi-connectors", class: M0010OpenApiConnectors },
  { name: "m0011-tenant-catalog", class: M0011TenantCatalog },
  { name: "m0012-webhook-replay-keys", class: M0012WebhookReplayKeys },
  { name: "m0013-api-key-expiry", class: M0013ApiKeyExpiry },
  { name: "m0014-execution-replies", class: M0014ExecutionReplies },
  { name: "m0015-execution-deprecation", class: M0015ExecutionDeprecation },
  { name: "m0016-oauth-links", class: M0016OAuthLinks },
  { name: "m0017-execution-protocol", class: M0017ExecutionProtocol },
  { name: "m0018-command-effects", class: M0018CommandEffects },
  { name: "m0019-mcp-live", class: M0019McpLive },
  { name: "m0020-agent-pools", class: M0020AgentPools },
  { name: "m0021-connector-agent-pools", class: M0021ConnectorAgentPools },
  { name: "m0022-agent-relay", class: M0022AgentRelay },
  { name: "m0023-execution-mock-scenario", class: M0023ExecutionMockScenario },
  { name: "m0024-webhook-commit-turn", class: M0024WebhookCommitTurn },
];
