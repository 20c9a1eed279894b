import { ApiKeyEntity } from "../auth/api-key-entity.ts";
import { ConnectorEntity, ConnectorVersionEntity } from "../catalog/connector-entity.ts";
import { ConnectionEntity, OAuthStateEntity } from "../connections/connection-entity.ts";
import { ExecutionEntity } from "../execute/execution-entity.ts";

// Entity files are imported directly (not through the feature index) so that opening the database does
// not load the services; each feature still owns its entities.
/** Every entity the ORM knows. */
export const ENTITIES = [
  ApiKeyEntity,
  ConnectorEntity,
  ConnectorVersionEntity,
  ConnectionEntity,
  OAuthStateEntity,
  ExecutionEntity,
];
