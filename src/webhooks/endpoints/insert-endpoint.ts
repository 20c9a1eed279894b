import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Principal } from "../../auth/index.ts";
import { connectionExists } from "../../connections/index.ts";
import type { JobQueue } from "../jobs/job-queue.ts";
import type { WebhookDeps } from "../webhook-deps.ts";
import type { NewEndpoint } from "./check-create-endpoint.ts";
import { endpointSecretContext, signingSecretContext, verifyTokenContext } from "./endpoint-row.ts";

/** What {@link insertEndpoint} needs. */
export interface InsertEndpointDeps
  extends Pick<WebhookDeps, "query" | "endpointStore" | "secretBox" | "logger" | "now"> {
  readonly jobs: Pick<JobQueue, "ensurePullQueue">;
}

/**
 * Stores a checked endpoint for `principal` (its secrets sealed) and returns its id. The connection it is
 * tied to must be the tenant's; a command target's connection must be the caller's own, and the command
 * runs as them. A pull endpoint's queue is created first.
 */
export async function insertEndpoint(
  deps: InsertEndpointDeps,
  principal: Principal,
  checked: NewEndpoint,
): Promise<string> {
  const { tenantId, subject } = principal;
  if (
    checked.connectionId !== null &&
    !(await connectionExists(deps.query, { tenantId }, checked.connectionId))
  ) {
    throw new ConnectError("connection_id: no such connection", Code.InvalidArgument);
  }
  let target = checked.target;
  if (target.kind === "command") {
    if (!(await connectionExists(deps.query, { tenantId, subject }, target.connectionId))) {
      throw new ConnectError(
        "target.command.connection_id: no such connection of yours",
        Code.InvalidArgument,
      );
    }
    target = { ...target, subject };
  }
  const id = randomUUID();
  if (target.kind === "pull") await deps.jobs.ensurePullQueue(id);
  const { secretBox } = deps;
  await deps.endpointStore.insert({
    id,
    tenantId,
    provider: checked.provider,
    connectorSlug: checked.connectorSlug,
    connectionId: checked.connectionId,
    sealedSecret: secretBox.seal(checked.secret, endpointSecretContext(id)),
    sealedVerifyToken:
      checked.verifyToken === null ? null : secretBox.seal(checked.verifyToken, verifyTokenContext(id)),
    verified: checked.provider !== "whatsapp",
    target,
    sealedSigningSecret:
      checked.signingSecret === null ? null : secretBox.seal(checked.signingSecret, signingSecretContext(id)),
    createdAt: deps.now(),
  });
  deps.logger.info(
    { endpointId: id, provider: checked.provider, target: target.kind },
    "webhook endpoint created",
  );
  return id;
}
