import { ApiKeyEntity } from "./auth/api-key-entity.ts";
import { ConnectorEntity, ConnectorVersionEntity } from "./catalog/connector-entity.ts";
import { ConnectionEntity, OAuthLinkEntity, OAuthStateEntity } from "./connections/connection-entity.ts";
import { ExecutionEntity } from "./execute/execution-entity.ts";

// Part of the composition root (with server/start-server.ts and cli/open-cli-database.ts, which pass it
// to openDatabase): db/ knows no feature. The entity files are imported directly, not through each
// feature's index, so that a one-shot command opening the database does not load the services; each
// feature still owns its entities.
/** Every entity the ORM knows. */
export const ENTITIES = [
  ApiKeyEntity,
  ConnectorEntity,
  ConnectorVersionEntity,
  ConnectionEntity,
  OAuthStateEntity,
  OAuthLinkEntity,
  ExecutionEntity,
];
