import { checkSharedSecret } from "./check-shared-secret.ts";
import { createVerifier } from "./create-verifier.ts";
import { eventKey } from "./event-key.ts";
import { formField, isFormContentType, parseFormBody } from "./form-body.ts";
import { headerId } from "./header-id.ts";
import { matchHubSignature256 } from "./hub-signature.ts";
import { asString, type JsonObject, parseJsonObject } from "./json-object.ts";
import type { ProviderVerifier } from "./provider-verifier.ts";
import { reject } from "./reject.ts";
import { replayKey } from "./replay-key.ts";
import { EMPTY_REPLY } from "./replies.ts";

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`. The legacy SHA-1
 * `X-Hub-Signature` alone is refused as missing: SHA-1 is not accepted. JSON and form
 * (`payload=<json>`) deliveries both work; the signature is over the body as sent.
 *
 * `ping` → handshake with an empty reply. Event key: `github.<X-GitHub-Event>[.<action>]`
 * (`github.issues.opened`, `github.push`), as `@octokit/webhooks` names them. Dedupe id:
 * `X-GitHub-Delivery`, which a redelivery repeats; it is not signed (nor is `X-GitHub-Event`), so the
 * verified signature is a second dedupe key: a captured delivery sent again under a fresh id is a
 * duplicate.
 */
export const githubVerifier: ProviderVerifier = createVerifier({
  provider: "github",
  checkSecret: (secret) => checkSharedSecret(secret, "GitHub webhook secret"),
  verify(delivery, secrets) {
    const signature = delivery.header("x-hub-signature-256");
    if (signature === undefined) return reject("SIGNATURE_MISSING");
    const mac = matchHubSignature256(signature, delivery.body, secrets);
    if (mac === undefined) return reject("SIGNATURE_MISMATCH");
    const event = asString(delivery.header("x-github-event"));
    const payload = parsePayload(delivery.body, delivery.contentType);
    if (event === undefined || payload === undefined) return reject("MALFORMED_BODY");
    if (event === "ping") return { kind: "handshake", reply: EMPTY_REPLY };
    const id = headerId(delivery.header("x-github-delivery"));
    if (id === undefined) return reject("MALFORMED_BODY");
    const key = eventKey("github", event, asString(payload.action));
    return { kind: "event", providerEventId: id, replayKey: replayKey(mac), eventKey: key, payload };
  },
});

function parsePayload(body: Uint8Array, contentType: string): JsonObject | undefined {
  if (!isFormContentType(contentType)) return parseJsonObject(body);
  const fields = parseFormBody(body);
  const json = fields && formField(fields, "payload");
  return json === undefined ? undefined : parseJsonObject(json);
}
