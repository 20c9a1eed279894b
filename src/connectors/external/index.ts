export {
  createExternalConnectorClient,
  EXTERNAL_MAX_RESPONSE_BYTES,
  type ExternalConnectorClientOptions,
  RELAYED_PROTOCOLS,
} from "./create-external-connector-client.ts";
export { describeConnector } from "./describe-connector.ts";
export type { ExternalConnectorClient, ExternalExecuteRequest } from "./external-connector-client.ts";
export { createHttpProtocolHandler, type HttpProtocolOptions } from "./http-protocol-handler.ts";
export { MAX_OPERATOR_TEXT, operatorText } from "./operator-text.ts";
export {
  CONNECTOR_ERROR_HEADER,
  EXTERNAL_PROTOCOLS,
  type ExternalProtocol,
  isExternalProtocol,
  PROTOCOL_VERSION,
} from "./protocol.ts";
export { registerConnectorService } from "./register-connector-service.ts";
export type { ExternalConnectorSchema } from "./schema-from-describe.ts";
export { type ServeConnectorOptions, type ServedConnector, serveConnector } from "./serve-connector.ts";
