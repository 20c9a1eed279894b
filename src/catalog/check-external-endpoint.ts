import { Code, ConnectError } from "@connectrpc/connect";
import {
  createExternalConnectorClient,
  EXTERNAL_PROTOCOLS,
  isExternalProtocol,
} from "../connectors/external/index.ts";
import type { EgressGuard } from "../outbound/index.ts";
import { invalidArgument } from "../protocol/errors.ts";

const REGISTRATION_TIMEOUT_MS = 10_000;

/**
 * The checks an external connector's endpoint passes on CreateConnector and on every UpdateConnector
 * that changes it: an http(s) URL, a known protocol, the egress policy, and a health check. Returns the
 * normalised endpoint and a client to ask it more.
 */
export async function checkExternalEndpoint(guard: EgressGuard, rawUrl: string, rawProtocol: string) {
  const protocol = rawProtocol || "http";
  if (!URL.canParse(rawUrl) || !/^https?:$/.test(new URL(rawUrl).protocol)) {
    throw invalidArgument("endpoint_url must be an http or https URL for an external connector");
  }
  if (!isExternalProtocol(protocol))
    throw invalidArgument(`protocol must be one of ${EXTERNAL_PROTOCOLS.join(", ")}`);
  const endpointUrl = rawUrl.replace(/\/+$/, "");
  try {
    guard.checkUrl(endpointUrl);
  } catch (error) {
    throw new ConnectError(`endpoint_url: ${(error as Error).message}`, Code.InvalidArgument);
  }
  const client = createExternalConnectorClient({
    endpointUrl,
    protocol,
    timeoutMs: REGISTRATION_TIMEOUT_MS,
    fetch: guard.fetch,
    lookup: guard.lookup,
  });
  const signal = AbortSignal.timeout(REGISTRATION_TIMEOUT_MS);
  if (!(await client.health(signal))) {
    throw new ConnectError(
      "the external connector did not pass its health check (unreachable, refused by the egress policy, or not serving)",
      Code.FailedPrecondition,
    );
  }
  return { endpointUrl, protocol, client, signal };
}
