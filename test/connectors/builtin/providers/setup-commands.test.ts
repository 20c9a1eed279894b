import { describe, expect, it } from "vitest";
import { githubConnector } from "../../../../src/connectors/builtin/providers/github.ts";
import { stripeConnector } from "../../../../src/connectors/builtin/providers/stripe.ts";
import { telegramConnector } from "../../../../src/connectors/builtin/providers/telegram.ts";
import type { RegisteredEndpoint, WebhookRegistrar } from "../../../../src/connectors/index.ts";
import { expectNoSecrets, jsonOf, onlyRequest, useFakeProvider } from "./fake-provider.ts";

/** A registrar that records what a setup command does with it, as the webhooks feature would see it. */
function recordingRegistrar(refusal?: string) {
  const calls: string[] = [];
  const registrar: WebhookRegistrar = {
    async createEndpoint(input): Promise<RegisteredEndpoint> {
      calls.push(`create ${input.provider}`);
      if (refusal !== undefined) return { ok: false, error: refusal };
      return {
        ok: true,
        id: "0b7c2f4e-9a51-4c8e-8a0f-0c6a1c9d2e11",
        url: `https://hooks.example.test/api/v1/connectors/webhooks/${input.provider}/0b7c2f4e-9a51-4c8e-8a0f-0c6a1c9d2e11`,
        secret: input.provider === "stripe" ? "whsec_placeholder" : "generated-secret-0123456789",
      };
    },
    async updateSecret(id, secret) {
      calls.push(`update ${id} ${secret}`);
    },
    async deleteEndpoint(id) {
      calls.push(`delete ${id}`);
    },
  };
  return { registrar, calls };
}

const api = useFakeProvider();

describe("webhook setup commands", () => {
  it("GitHub createWebhook registers the endpoint URL and its secret as a JSON repository webhook", async () => {
    const { registrar, calls } = recordingRegistrar();
    api.answer(201, { id: 460101, active: true, config: { url: "x" } });
    const result = await api.run(
      githubConnector,
      { command: "createWebhook", owner: "acme", repo: "widgets", events: "issues,push" },
      { baseUrl: api.baseUrl, accessToken: "gho_token" },
      { webhooks: registrar },
    );
    expect(result).toEqual({
      success: true,
      payload: {
        endpointId: "0b7c2f4e-9a51-4c8e-8a0f-0c6a1c9d2e11",
        url: "https://hooks.example.test/api/v1/connectors/webhooks/github/0b7c2f4e-9a51-4c8e-8a0f-0c6a1c9d2e11",
        hookId: 460101,
      },
    });
    const request = onlyRequest(api);
    expect(request.method).toBe("POST");
    expect(request.url).toBe("/repos/acme/widgets/hooks");
    expect(request.headers.authorization).toBe("Bearer gho_token");
    expect(jsonOf(request)).toEqual({
      name: "web",
      active: true,
      events: ["issues", "push"],
      config: {
        url: "https://hooks.example.test/api/v1/connectors/webhooks/github/0b7c2f4e-9a51-4c8e-8a0f-0c6a1c9d2e11",
        content_type: "json",
        secret: "generated-secret-0123456789",
        insecure_ssl: "0",
      },
    });
    expect(calls).toEqual(["create github"]);
    expectNoSecrets(result, "generated-secret-0123456789", "gho_token");
  });

  it("deletes the endpoint again when the provider refuses the registration", async () => {
    const { registrar, calls } = recordingRegistrar();
    api.answer(422, { message: "Validation Failed" });
    const result = await api.run(
      githubConnector,
      { command: "createWebhook", owner: "acme", repo: "widgets" },
      { baseUrl: api.baseUrl, accessToken: "gho_token" },
      { webhooks: registrar },
    );
    expect(result.success).toBe(false);
    expect(calls).toEqual(["create github", "delete 0b7c2f4e-9a51-4c8e-8a0f-0c6a1c9d2e11"]);
  });

  it("passes the registrar's refusal on without calling the provider", async () => {
    const { registrar } = recordingRegistrar(
      "the webhook URL must use https, but PATCHBAY_PUBLIC_URL is http://localhost:8080",
    );
    const result = await api.run(
      telegramConnector,
      { command: "setupWebhook" },
      { baseUrl: api.baseUrl, botToken: "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra" },
      { webhooks: registrar },
    );
    expect(result).toMatchObject({ success: false, error: expect.stringContaining("PATCHBAY_PUBLIC_URL") });
    expect(api.requests).toEqual([]);
  });

  it("Stripe createWebhookEndpoint hands Stripe's signing secret to the registrar, not to the caller", async () => {
    const { registrar, calls } = recordingRegistrar();
    api.answer(200, { id: "we_1", object: "webhook_endpoint", secret: "whsec_issued_by_stripe" });
    const result = await api.run(
      stripeConnector,
      { command: "createWebhookEndpoint", enabledEvents: "invoice.paid, customer.created" },
      { baseUrl: api.baseUrl, secretKey: "sk_test_123" },
      { webhooks: registrar },
    );
    expect(result.success).toBe(true);
    expect(new URLSearchParams(onlyRequest(api).body).getAll("enabled_events[]")).toEqual([
      "invoice.paid",
      "customer.created",
    ]);
    expect(calls).toEqual([
      "create stripe",
      "update 0b7c2f4e-9a51-4c8e-8a0f-0c6a1c9d2e11 whsec_issued_by_stripe",
    ]);
    expectNoSecrets(result, "whsec_issued_by_stripe", "sk_test_123");
  });

  it("refuses to run outside the server, where there is no registrar", async () => {
    const result = await api.run(
      githubConnector,
      { command: "createWebhook", owner: "acme", repo: "widgets" },
      { baseUrl: api.baseUrl, accessToken: "gho_token" },
    );
    expect(result).toMatchObject({
      success: false,
      error: "createWebhook runs only inside the Patchbay server",
    });
  });
});
