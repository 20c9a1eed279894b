import { Code, ConnectError } from "@connectrpc/connect";
import type { RotateEndpointSecretRequest } from "../../../gen/patchbay/v1/webhook_pb.ts";
import { verifierFor } from "../providers/index.ts";
import type { WebhookDeps } from "../webhook-deps.ts";
import { changeEndpoint } from "./endpoint-changes.ts";
import { type EndpointRow, endpointSecretContext } from "./endpoint-row.ts";

/** What {@link rotateEndpointSecret} needs. */
export type RotateSecretDeps = Pick<
  WebhookDeps,
  "endpointStore" | "endpoints" | "secretBox" | "logger" | "now"
>;

/**
 * Replaces an endpoint's secret with the one the request gives (checked against the provider's format).
 * With a grace period the previous secret is still accepted until it ends, so deliveries the provider
 * signed before it switched are not refused; without one it stops at once.
 */
export async function rotateEndpointSecret(
  deps: RotateSecretDeps,
  row: EndpointRow,
  req: Pick<RotateEndpointSecretRequest, "secret" | "gracePeriodSeconds">,
): Promise<void> {
  const verifier = verifierFor(row.provider);
  // `secret` (required) and `grace_period_seconds` (0–604800) are declared rules of the request; what
  // is left is the provider's own format of a secret.
  const reason = verifier?.checkSecret(req.secret);
  if (reason !== undefined) throw new ConnectError(`secret: ${reason}`, Code.InvalidArgument);
  const now = deps.now();
  const graceEnds =
    req.gracePeriodSeconds > 0 ? new Date(now.getTime() + req.gracePeriodSeconds * 1000) : null;
  await changeEndpoint(deps, row.id, {
    kind: "rotate-secret",
    sealedPreviousSecret: graceEnds === null ? null : row.sealedSecret,
    previousSecretExpiresAt: graceEnds,
    sealedSecret: deps.secretBox.seal(req.secret, endpointSecretContext(row.id)),
    at: now,
  });
  deps.logger.info({ endpointId: row.id, graceSeconds: req.gracePeriodSeconds }, "webhook secret rotated");
}
