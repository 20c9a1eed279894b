import { type SealedColumn, sealedColumn } from "../secrets/index.ts";
import {
  endpointSecretContext,
  eventPayloadContext,
  signingSecretContext,
  verifyTokenContext,
} from "./endpoints/endpoint-row.ts";

/** The webhook feature's sealed columns, with the contexts it seals them under (for `keys rotate-master`). */
export const WEBHOOK_SEALED_COLUMNS: readonly SealedColumn[] = [
  sealedColumn("webhook_endpoints", "sealed_secret", endpointSecretContext),
  // The previous secret (kept during a rotation's overlap) is sealed under the same context.
  sealedColumn("webhook_endpoints", "sealed_previous_secret", endpointSecretContext),
  sealedColumn("webhook_endpoints", "sealed_verify_token", verifyTokenContext),
  sealedColumn("webhook_endpoints", "sealed_signing_secret", signingSecretContext),
  sealedColumn("webhook_events", "sealed_payload", eventPayloadContext),
];
