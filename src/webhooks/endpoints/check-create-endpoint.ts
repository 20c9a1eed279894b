import { Code, ConnectError } from "@connectrpc/connect";
import type { CreateEndpointRequest } from "../../../gen/patchbay/v1/webhook_pb.ts";
import { generateTelegramSecretToken, PROVIDERS, verifierFor } from "../providers/index.ts";
import { checkSigningSecret } from "../standard-webhooks/index.ts";
import type { StoredTarget } from "./endpoint-row.ts";

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const COMMAND = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** A CreateEndpoint request, checked: what to store. */
export interface NewEndpoint {
  readonly provider: string;
  readonly connectorSlug: string;
  readonly connectionId: string | null;
  readonly secret: string;
  readonly verifyToken: string | null;
  readonly target: StoredTarget;
  readonly signingSecret: string | null;
}

/**
 * Checks a CreateEndpoint request field by field; every problem is listed in one INVALID_ARGUMENT
 * (`field: reason; field: reason`). Telegram's secret token is generated when none is given (the
 * `setupWebhook` command hands it to Telegram). A command target's subject is filled in by the caller
 * (the connection's owner).
 */
export function checkCreateEndpoint(req: CreateEndpointRequest): NewEndpoint {
  const problems: string[] = [];
  const verifier = verifierFor(req.provider);
  if (verifier === undefined) problems.push(`provider: must be one of ${PROVIDERS.join(", ")}`);
  if (!SLUG.test(req.connectorSlug)) problems.push("connector_slug: required, a connector slug");
  let secret = req.secret;
  if (secret === "" && req.provider === "telegram") secret = generateTelegramSecretToken();
  if (verifier !== undefined) {
    const reason = secret === "" ? "required for this provider" : verifier.checkSecret(secret);
    if (reason !== undefined) problems.push(`secret: ${reason}`);
  }
  if (req.provider === "whatsapp" && req.verifyToken === "") {
    problems.push("verify_token: required for whatsapp (the Verify Token set in the Meta app)");
  }
  let target: StoredTarget = { kind: "pull" };
  let signingSecret: string | null = null;
  const kind = req.target?.kind;
  if (kind?.case === "https") {
    const reason = checkHttpsUrl(kind.value.url);
    if (reason !== undefined) problems.push(`target.https.url: ${reason}`);
    const secretReason = checkSigningSecret(kind.value.signingSecret);
    if (secretReason !== undefined) problems.push(`target.https.signing_secret: ${secretReason}`);
    target = { kind: "https", url: kind.value.url };
    signingSecret = kind.value.signingSecret;
  } else if (kind?.case === "command") {
    if (!COMMAND.test(kind.value.command)) problems.push("target.command.command: required, a command name");
    target = {
      kind: "command",
      connectionId: kind.value.connectionId.toLowerCase(),
      command: kind.value.command,
      subject: "",
    };
  }
  if (problems.length > 0) throw new ConnectError(problems.join("; "), Code.InvalidArgument);
  return {
    provider: req.provider,
    connectorSlug: req.connectorSlug,
    connectionId: req.connectionId === "" ? null : req.connectionId,
    secret,
    verifyToken: req.provider === "whatsapp" ? req.verifyToken : null,
    target,
    signingSecret,
  };
}

/** https only; plain http only to a loopback host (development; the egress policy still applies). */
function checkHttpsUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute https URL";
  }
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && LOOPBACK.has(url.hostname)) return undefined;
  return "must use https (plain http only to a loopback host, for development)";
}
