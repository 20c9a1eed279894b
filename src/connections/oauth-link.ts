import { randomUUID } from "node:crypto";
import { SecretBoxError } from "../secrets/index.ts";
import type { ConnectionDeps } from "./connection-deps.ts";
import { ConnectionEntity, type ConnectionRow, OAuthLinkEntity } from "./connection-entity.ts";
import { beginAuthorization } from "./oauth-flow.ts";

/** How long a start link may wait to be opened: long enough to hand to a tab, short enough to leak little. */
export const LINK_TTL_MS = 5 * 60 * 1000;

// The sealing context of a link: no other sealed value (credentials, verifiers) opens as one.
const LINK_CONTEXT = "oauth-link";

/** The path a start link opens (OpenOAuthLink's REST route). */
const LINK_PATH = "/api/v1/connections/oauth/link";

/**
 * Issues a keyless start link for a pending OAuth connection: a row that can be consumed once within
 * five minutes, and a URL that carries its id and the connection's tenant sealed with the secret box
 * (AES-256-GCM under the master key ring): an altered or spliced link is refused before any lookup,
 * and the link shows nothing of what it points at.
 */
export async function issueOAuthLink(
  deps: ConnectionDeps,
  row: ConnectionRow,
  selectAccount: boolean,
): Promise<string> {
  const now = deps.now();
  const id = randomUUID();
  const em = deps.em();
  em.create(OAuthLinkEntity, {
    id,
    connectionId: row.id,
    selectAccount,
    expiresAt: new Date(now.getTime() + LINK_TTL_MS),
    usedAt: null,
    createdAt: now,
  });
  await em.flush();
  const token = deps.secretBox.seal(JSON.stringify({ id, tenant: row.tenantId }), LINK_CONTEXT);
  return `${deps.publicUrl}${LINK_PATH}?token=${encodeURIComponent(token)}`;
}

/** Where an opened link leads: the provider, or a reason code for the browser's page. */
export type OpenedLink =
  | { ok: true; oauthUrl: string }
  | { ok: false; reason: string; connectionId?: string };

/**
 * Opens a start link: it must open under the secret box, be unused and unexpired (consumed atomically,
 * so two tabs opening it together get one authorization), and its connection must still be the sealed
 * tenant's. Then a fresh authorization begins, as StartOAuth's would.
 */
export async function openOAuthLink(deps: ConnectionDeps, token: string): Promise<OpenedLink> {
  const sealed = readLink(deps, token);
  if (sealed === undefined) return { ok: false, reason: "link_invalid" };
  const em = deps.em();
  const link = await em.findOne(OAuthLinkEntity, { id: sealed.id });
  if (link === null) return { ok: false, reason: "link_invalid" };
  const now = deps.now();
  const connection = await em.findOne(ConnectionEntity, {
    id: link.connectionId,
    tenantId: sealed.tenant,
    deletedAt: null,
  });
  if (connection === null) return { ok: false, reason: "link_invalid" };
  const connectionId = connection.id;
  const consumed = await em.nativeUpdate(
    OAuthLinkEntity,
    { id: link.id, usedAt: null, expiresAt: { $gt: now } },
    { usedAt: now },
  );
  if (consumed === 0) {
    const expired = link.usedAt === null && link.expiresAt.getTime() <= now.getTime();
    return { ok: false, reason: expired ? "link_expired" : "link_used", connectionId };
  }
  if (connection.authType !== "oauth") return { ok: false, reason: "link_invalid", connectionId };
  const connector = await deps.lookup(connection.tenantId, connection.connectorSlug);
  if (connector === undefined) return { ok: false, reason: "connector_deleted", connectionId };
  return { ok: true, oauthUrl: await beginAuthorization(deps, connection, connector, link.selectAccount) };
}

/** The sealed content of a link, or undefined when it is not one this server made. */
function readLink(deps: ConnectionDeps, token: string): { id: string; tenant: string } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(deps.secretBox.openText(token, LINK_CONTEXT));
  } catch (error) {
    if (error instanceof SecretBoxError) return undefined;
    throw error;
  }
  if (typeof body !== "object" || body === null) return undefined;
  const { id, tenant } = body as Record<string, unknown>;
  return typeof id === "string" && typeof tenant === "string" ? { id, tenant } : undefined;
}
