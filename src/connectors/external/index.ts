export { describeConnector } from "./describe-connector.ts";
export {
  createExternalConnectorClient,
  type ExternalConnectorClient,
  type ExternalConnectorClientOptions,
  type ExternalExecuteRequest,
  type ExternalProtocol,
} from "./external-connector-client.ts";
export { createHttpProtocolHandler, type HttpProtocolOptions } from "./http-protocol-handler.ts";
export { MAX_OPERATOR_TEXT, operatorText } from "./operator-text.ts";
export { CONNECTOR_ERROR_HEADER, PROTOCOL_VERSION } from "./protocol.ts";
export { registerConnectorService } from "./register-connector-service.ts";
export type { ExternalConnectorSchema } from "./schema-from-describe.ts";
export { type ServeConnectorOptions, type ServedConnector, serveConnector } from "./serve-connector.ts";
