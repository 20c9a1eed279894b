import { randomBytes } from "node:crypto";
import { ConnectError } from "@connectrpc/connect";
import type { Principal } from "../../auth/index.ts";
import type { RegisteredEndpoint, WebhookRegistrar } from "../../connectors/index.ts";
import { changeEndpoint } from "../endpoints/endpoint-changes.ts";
import { endpointUrl } from "../endpoints/endpoint-message.ts";
import { endpointSecretContext } from "../endpoints/endpoint-row.ts";
import { insertEndpoint } from "../endpoints/insert-endpoint.ts";
import { generateTelegramSecretToken, verifierFor } from "../providers/index.ts";
import type { WebhookDeps } from "../webhook-deps.ts";
import { checkCallbackUrl } from "./check-callback-url.ts";

/** A secret in the provider's format, for providers that let the receiver choose it. */
function generatedSecret(provider: string): string {
  if (provider === "telegram") return generateTelegramSecretToken();
  // Stripe issues its own `whsec_…` when the URL is registered (updateSecret replaces this one).
  if (provider === "stripe") return `whsec_${randomBytes(32).toString("base64")}`;
  return randomBytes(32).toString("hex");
}

/**
 * The webhook registrar a setup command gets: endpoints it creates belong to the caller's tenant and
 * connection and wait for pull consumers; it refuses when PATCHBAY_PUBLIC_URL could not be reached by a
 * provider (unless PATCHBAY_WEBHOOK_ALLOW_INSECURE_CALLBACKS is set for development).
 */
export function createWebhookRegistrar(
  deps: WebhookDeps,
): (principal: Principal, connectorSlug: string, connectionId: string | null) => WebhookRegistrar {
  return (principal, connectorSlug, connectionId) => {
    const created = new Set<string>();
    return {
      async createEndpoint(input): Promise<RegisteredEndpoint> {
        const verifier = verifierFor(input.provider);
        if (verifier === undefined) return { ok: false, error: `unknown webhook provider ${input.provider}` };
        const problem = checkCallbackUrl(
          endpointUrl(deps.publicUrl, {
            provider: input.provider,
            id: "00000000-0000-0000-0000-000000000000",
          }),
          deps.allowInsecureCallbacks,
        );
        if (problem !== undefined) return { ok: false, error: problem };
        const secret = input.secret ?? generatedSecret(input.provider);
        const reason = verifier.checkSecret(secret);
        if (reason !== undefined) return { ok: false, error: `secret: ${reason}` };
        try {
          const id = await insertEndpoint(deps, principal, {
            provider: input.provider,
            connectorSlug,
            connectionId,
            secret,
            verifyToken: null,
            target: { kind: "pull" },
            signingSecret: null,
          });
          created.add(id);
          return { ok: true, id, url: endpointUrl(deps.publicUrl, { provider: input.provider, id }), secret };
        } catch (error) {
          return {
            ok: false,
            error: error instanceof ConnectError ? error.rawMessage : "the endpoint could not be created",
          };
        }
      },
      async updateSecret(id, secret) {
        if (!created.has(id)) throw new Error("not an endpoint this command created");
        await changeEndpoint(deps, id, {
          kind: "replace-secret",
          sealedSecret: deps.secretBox.seal(secret, endpointSecretContext(id)),
        });
      },
      async deleteEndpoint(id) {
        if (!created.has(id)) throw new Error("not an endpoint this command created");
        await changeEndpoint(deps, id, { kind: "delete", at: deps.now() });
      },
    };
  };
}
