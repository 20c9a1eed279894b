import type { ConnectorDefinition } from "../define/define-connector.ts";
import { delayConnector } from "./delay.ts";
import { echoConnector } from "./echo.ts";
import { httpConnector } from "./http.ts";
import { oauth2ApiConnector } from "./oauth2-api.ts";
import { placeholderApiConnector } from "./placeholder-api.ts";

/** Every built-in connector type. Adding one here registers it and seeds its catalog row on start. */
export const BUILT_IN_DEFINITIONS: readonly ConnectorDefinition[] = [
  delayConnector,
  echoConnector,
  httpConnector,
  oauth2ApiConnector,
  placeholderApiConnector,
];
