import { Code, ConnectError } from "@connectrpc/connect";
import type { RotateEndpointSecretRequest } from "../../../gen/patchbay/v1/webhook_pb.ts";
import { verifierFor } from "../providers/index.ts";
import type { WebhookStoreDeps } from "../webhook-deps.ts";
import { changeEndpoint } from "./endpoint-changes.ts";
import { type EndpointRow, endpointSecretContext } from "./endpoint-row.ts";

/** The longest grace period, 7 days, as `grace_period_seconds` documents it. */
const MAX_GRACE_SECONDS = 604_800;

/** What {@link rotateEndpointSecret} needs. */
export type RotateSecretDeps = Pick<
  WebhookStoreDeps,
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
  const reason = req.secret === "" ? "required" : verifier?.checkSecret(req.secret);
  const problems: string[] = [];
  if (reason !== undefined) problems.push(`secret: ${reason}`);
  if (req.gracePeriodSeconds > MAX_GRACE_SECONDS) {
    problems.push(`grace_period_seconds: at most ${MAX_GRACE_SECONDS} (7 days)`);
  }
  if (problems.length > 0) throw new ConnectError(problems.join("; "), Code.InvalidArgument);
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
