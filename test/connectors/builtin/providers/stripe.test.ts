import { describe, expect, it } from "vitest";
import { stripeConnector } from "../../../../src/connectors/builtin/providers/stripe.ts";
import type { JsonObject } from "../../../../src/connectors/index.ts";
import { classifyFailure } from "../../../../src/execute/index.ts";
import { expectNoSecrets, formOf, onlyRequest, useFakeProvider } from "./fake-provider.ts";

const secretKey = "sk_test_secretStripeKey0123456789";

const api = useFakeProvider();

const run = (config: JsonObject) => api.run(stripeConnector, config, { baseUrl: api.baseUrl, secretKey });

const customer = {
  id: "cus_NffrFeUfNV2Hib",
  object: "customer",
  email: "jenny@example.com",
  name: "Jenny Rosen",
};

const stripeError = (type: string, code: string | undefined, message: string) => ({
  error: { type, ...(code ? { code } : {}), message, doc_url: "https://stripe.com/docs/error-codes" },
});

describe("stripe: createCustomer", () => {
  it("posts a form to /v1/customers with the key as a bearer token, metadata in brackets", async () => {
    api.answer(200, customer);
    const result = await run({
      command: "createCustomer",
      email: "jenny@example.com",
      name: "Jenny Rosen",
      metadata: { plan: "pro", seats: 5 },
      idempotencyKey: "signup-42",
    });
    expect(result).toStrictEqual({
      success: true,
      payload: { customer },
      variables: { customerId: customer.id },
    });
    const request = onlyRequest(api);
    expect([request.method, request.url]).toStrictEqual(["POST", "/v1/customers"]);
    expect(request.headers.authorization).toBe(`Bearer ${secretKey}`);
    expect(request.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request.headers["idempotency-key"]).toBe("signup-42");
    expect(formOf(request)).toStrictEqual({
      email: "jenny@example.com",
      name: "Jenny Rosen",
      "metadata[plan]": "pro",
      "metadata[seats]": "5",
    });
  });

  it("maps an invalid key (401) to an upstream auth failure without the key", async () => {
    api.answer(
      401,
      stripeError(
        "invalid_request_error",
        undefined,
        `Invalid API Key provided: ${secretKey.slice(0, 12)}***`,
      ),
    );
    const result = await run({ command: "createCustomer", email: "jenny@example.com" });
    expect(result).toStrictEqual({
      success: false,
      error: "Stripe API error (401)",
      diagnostics: { status: 401, code: "invalid_request_error" },
    });
    expect(classifyFailure(result)).toBe("upstream_auth");
    expectNoSecrets(result, secretKey, secretKey.slice(0, 12), "jenny@example.com");
  });

  it("maps a 429 to a rate-limited failure with Stripe's code", async () => {
    api.answer(429, stripeError("invalid_request_error", "rate_limit", "Too many requests"));
    const result = await run({ command: "createCustomer" });
    expect(result).toStrictEqual({
      success: false,
      error: "Stripe rate limit reached (429)",
      diagnostics: { status: 429, code: "rate_limit" },
    });
    expect(classifyFailure(result)).toBe("upstream_rate_limited");
  });

  it("refuses metadata that is not an object of strings before calling out", async () => {
    expect((await run({ command: "createCustomer", metadata: ["a"] })).error).toBe(
      "metadata must be an object of strings",
    );
    expect((await run({ command: "createCustomer", metadata: { a: { b: 1 } } })).error).toBe(
      "metadata values must be strings",
    );
    expect(api.requests).toStrictEqual([]);
  });
});

describe("stripe: getCustomer and listInvoices", () => {
  it("reads one customer", async () => {
    api.answer(200, customer);
    expect(await run({ command: "getCustomer", customerId: customer.id })).toStrictEqual({
      success: true,
      payload: { customer },
    });
    const request = onlyRequest(api);
    expect([request.method, request.url, request.headers.authorization]).toStrictEqual([
      "GET",
      `/v1/customers/${customer.id}`,
      `Bearer ${secretKey}`,
    ]);
  });

  it("maps resource_missing (404) to a command failure, without the id Stripe quotes", async () => {
    api.answer(
      404,
      stripeError("invalid_request_error", "resource_missing", "No such customer: 'cus_Missing1'"),
    );
    const result = await run({ command: "getCustomer", customerId: "cus_Missing1" });
    expect(result).toStrictEqual({
      success: false,
      error: "Stripe API error (404)",
      diagnostics: { status: 404, code: "resource_missing" },
    });
    expect(classifyFailure(result)).toBe("command_failed");
    expectNoSecrets(result, "No such customer");
  });

  it("refuses a customer id that could rewrite the path", async () => {
    expect((await run({ command: "getCustomer", customerId: "cus_1/../../v1/balance" })).error).toBe(
      "customerId must be a Stripe customer id (cus_…)",
    );
    expect(api.requests).toStrictEqual([]);
  });

  it("lists invoices with filters and returns the last id as the next cursor", async () => {
    const invoices = [
      { id: "in_2", object: "invoice" },
      { id: "in_1", object: "invoice" },
    ];
    api.answer(200, { object: "list", data: invoices, has_more: true, url: "/v1/invoices" });
    const result = await run({
      command: "listInvoices",
      customerId: customer.id,
      status: "paid",
      limit: 2,
      startingAfter: "in_3",
    });
    expect(result).toStrictEqual({
      success: true,
      payload: { invoices, hasMore: true, nextCursor: "in_1" },
      variables: { invoiceCount: 2 },
    });
    const url = new URL(onlyRequest(api).url, api.baseUrl);
    expect(url.pathname).toBe("/v1/invoices");
    expect(Object.fromEntries(url.searchParams)).toStrictEqual({
      customer: customer.id,
      status: "paid",
      limit: "2",
      starting_after: "in_3",
    });
  });

  it("has no next cursor on the last page", async () => {
    api.answer(200, { object: "list", data: [{ id: "in_1" }], has_more: false });
    expect((await run({ command: "listInvoices" })).payload).toMatchObject({
      hasMore: false,
      nextCursor: null,
    });
  });

  it("maps a 500 to an unavailable upstream", async () => {
    api.answer(500, stripeError("api_error", undefined, "Something went wrong"));
    expect(classifyFailure(await run({ command: "listInvoices" }))).toBe("upstream_unavailable");
  });

  it("tests the key with GET /v1/balance", async () => {
    api.answer(200, { object: "balance", available: [] });
    expect(await run({ command: "test" })).toStrictEqual({ success: true, payload: { reachable: true } });
    expect(onlyRequest(api).url).toBe("/v1/balance");
  });

  it("answers every command from its default mock without calling out", async () => {
    for (const command of Object.keys(stripeConnector.commands)) {
      const result = await api.run(
        stripeConnector,
        { command, customerId: customer.id },
        { secretKey },
        { mockScenario: "default" },
      );
      expect(result.success, command).toBe(true);
    }
    expect(api.requests).toStrictEqual([]);
  });
});
