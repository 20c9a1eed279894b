export type { ConnectionDeps, CredentialTest, CredentialTestRun } from "./connection-deps.ts";
export {
  CONNECTION_STATUSES,
  ConnectionEntity,
  type ConnectionRow,
  credentialsContext,
  OAuthStateEntity,
  type OAuthStateRow,
} from "./connection-entity.ts";
export { type ConnectionOwner, connectionExists } from "./connection-exists.ts";
export { toConnectionMessage } from "./connection-message.ts";
export { registerConnections } from "./connection-service.ts";
export { createConnectorLogger, type LogLineTap } from "./connector-logger.ts";
export { createLiveConnectionCounter } from "./count-live-connections.ts";
export { type ActiveConnection, listActiveConnections } from "./list-active-connections.ts";
export type { StoredTokens } from "./oauth-flow.ts";
export { OAUTH_FLOW_GRACE_MS, startOAuthFlowSweep, sweepOAuthFlows } from "./oauth-flow-sweep.ts";
export { CONNECTION_SEALED_COLUMNS } from "./sealed-columns.ts";
export { createTokenRefresher, type TokenRefresher } from "./token-refresher.ts";
export {
  type ConnectionUser,
  createConnectionUser,
  type UsableConnection,
  type UseOptions,
} from "./use-connection.ts";
