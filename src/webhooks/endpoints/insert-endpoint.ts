import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Principal } from "../../auth/index.ts";
import type { WebhookDeps } from "../webhook-deps.ts";
import type { NewEndpoint } from "./check-create-endpoint.ts";
import { endpointSecretContext, signingSecretContext, verifyTokenContext } from "./endpoint-row.ts";

/**
 * Stores a checked endpoint for `principal` (its secrets sealed) and returns its id. The connection it is
 * tied to must be the tenant's; a command target's connection must be the caller's own, and the command
 * runs as them. A pull endpoint's queue is created first.
 */
export async function insertEndpoint(
  deps: WebhookDeps,
  principal: Principal,
  checked: NewEndpoint,
): Promise<string> {
  const { query } = deps;
  if (checked.connectionId !== null) {
    const { rows } = await query(
      "select 1 from connections where id = $1 and tenant_id = $2 and deleted_at is null",
      [checked.connectionId, principal.tenantId],
    );
    if (rows.length === 0) throw new ConnectError("connection_id: no such connection", Code.InvalidArgument);
  }
  let target = checked.target;
  if (target.kind === "command") {
    const { rows } = await query(
      "select 1 from connections where id = $1 and tenant_id = $2 and subject = $3 and deleted_at is null",
      [target.connectionId, principal.tenantId, principal.subject],
    );
    if (rows.length === 0) {
      throw new ConnectError(
        "target.command.connection_id: no such connection of yours",
        Code.InvalidArgument,
      );
    }
    target = { ...target, subject: principal.subject };
  }
  const id = randomUUID();
  if (target.kind === "pull") await deps.jobs.ensurePullQueue(id);
  await query(
    `insert into webhook_endpoints (id, tenant_id, provider, connector_slug, connection_id, sealed_secret,
       sealed_verify_token, verified, target_kind, target, sealed_signing_secret, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      id,
      principal.tenantId,
      checked.provider,
      checked.connectorSlug,
      checked.connectionId,
      deps.secretBox.seal(checked.secret, endpointSecretContext(id)),
      checked.verifyToken === null ? null : deps.secretBox.seal(checked.verifyToken, verifyTokenContext(id)),
      checked.provider !== "whatsapp",
      target.kind,
      JSON.stringify(target),
      checked.signingSecret === null
        ? null
        : deps.secretBox.seal(checked.signingSecret, signingSecretContext(id)),
      deps.now(),
    ],
  );
  deps.logger.info(
    { endpointId: id, provider: checked.provider, target: target.kind },
    "webhook endpoint created",
  );
  return id;
}
