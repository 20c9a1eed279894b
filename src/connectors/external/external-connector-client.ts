import type { JsonObject } from "@bufbuild/protobuf";
import type { ConnectorResult } from "../define/outcome.ts";
import type { ExternalConnectorSchema } from "./schema-from-describe.ts";

/** One command call to an external connector. */
export interface ExternalExecuteRequest {
  command: string;
  /** Decrypted connection config; secret. */
  config: JsonObject;
  params: JsonObject;
  variables: JsonObject;
  /** `timeoutMs` lowers the client's timeout for this call and is sent as `metadata.timeout`. */
  metadata: { stepId: string; runId: string; timeoutMs?: number };
}

/** A client for one external connector. */
export interface ExternalConnectorClient {
  /** The connector's identity and schema; rejects with a `ConnectError` when it cannot be had. */
  describe(signal?: AbortSignal): Promise<ExternalConnectorSchema>;
  /** True when the connector reports itself healthy; false on any error. */
  health(signal?: AbortSignal): Promise<boolean>;
  /**
   * Runs a command. Never rejects: transport problems, error statuses, oversized and legacy responses
   * become failures with an `errorCode` (`EXTERNAL_<CODE>`, `EXTERNAL_HTTP_<status>`, `TIMEOUT`,
   * `CANCELED`, `TOO_LARGE`, `LEGACY_RESULT_KEYS`, `INVALID_RESPONSE`).
   */
  execute(request: ExternalExecuteRequest, signal?: AbortSignal): Promise<ConnectorResult>;
  /**
   * Releases what the client holds (its connections) at once: calls in flight end as failures
   * (`CANCELED`, or a rejected Describe), and later calls fail without connecting. Safe to call again.
   */
  close(): void;
}
