import type { OutboundResponse } from "../../../outbound/index.ts";
import { defineCommand, defineConnector } from "../../define/define-connector.ts";
import { t } from "../../define/fields.ts";
import { fail, succeed } from "../../define/outcome.ts";
import {
  callProvider,
  type Fields,
  httpFailure,
  isJsonObject,
  objectBody,
  type ProviderCall,
  unexpectedBody,
} from "./call-provider.ts";
import { mapProviderError, type ProviderFailure, safeCode } from "./provider-api-error.ts";

/** The decrypted connection fields. */
interface StripeConnection {
  baseUrl?: string;
  secretKey: string;
}

const PROVIDER = "Stripe";
const DEFAULT_BASE_URL = "https://api.stripe.com";
// Ids are path segments: checked so that a param cannot rewrite the path.
const CUSTOMER_ID = /^cus_[A-Za-z0-9]{1,250}$/;

/** Stripe's error body: `{error: {type, code, decline_code, message, param}}`; `message` can quote ids. */
function stripeFailure(response: OutboundResponse): ProviderFailure | undefined {
  const failure = httpFailure(response);
  if (failure === undefined) return undefined;
  const error = objectBody(response)?.error;
  const code = isJsonObject(error) ? (safeCode(error.code) ?? safeCode(error.type)) : undefined;
  return code === undefined ? failure : { ...failure, code };
}

function stripeApi(
  connection: StripeConnection,
  request: {
    method: "GET" | "POST";
    path: string;
    query?: Fields;
    form?: Fields;
    idempotencyKey?: string | undefined;
  },
  call: ProviderCall,
): Promise<OutboundResponse> {
  const { idempotencyKey, ...rest } = request;
  return callProvider({
    provider: PROVIDER,
    baseUrl: connection.baseUrl || DEFAULT_BASE_URL,
    ...rest,
    headers: {
      authorization: `Bearer ${connection.secretKey}`,
      ...(idempotencyKey !== undefined ? { "idempotency-key": idempotencyKey } : {}),
    },
    call,
    readFailure: stripeFailure,
  });
}

/** Metadata as Stripe's form fields (`metadata[plan]=pro`), or why it cannot be. */
function metadataFields(metadata: unknown): Fields | string {
  if (metadata === undefined) return {};
  if (!isJsonObject(metadata)) return "metadata must be an object of strings";
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string" && typeof value !== "number") return "metadata values must be strings";
    if (key.length > 40 || /[[\]]/.test(key))
      return "metadata keys must be at most 40 characters, without brackets";
    fields[`metadata[${key}]`] = String(value);
  }
  return fields;
}

const createCustomerParams = {
  email: t.string({ description: "Customer's email address." }),
  name: t.string({ description: "Customer's full name or business name." }),
  description: t.string({ description: "Internal description." }),
  metadata: t.raw({ description: "Up to 50 string key-value pairs." }),
  idempotencyKey: t.string({
    description: "Stripe Idempotency-Key, so that a retried call creates one customer.",
  }),
};

const getCustomerParams = {
  customerId: t.string({ required: true, description: "Customer id (cus_…)." }),
};

const listInvoicesParams = {
  customerId: t.string({ description: "Only this customer's invoices (cus_…)." }),
  status: t.select(["draft", "open", "paid", "uncollectible", "void"], {
    description: "Only invoices in this status.",
  }),
  limit: t.number({ default: 10, description: "Invoices per page (1 to 100)." }),
  startingAfter: t.string({ description: "nextCursor of the previous page (an invoice id)." }),
};

const sampleCustomer = { id: "cus_NffrFeUfNV2Hib", object: "customer", livemode: false };
const createWebhookEndpointParams = {
  enabledEvents: t.string({
    default: "*",
    description: 'Comma-separated event types to deliver (invoice.paid, customer.created, …; "*" for all).',
  }),
  description: t.string({ description: "A note shown in the Stripe dashboard." }),
};

const sampleInvoice = {
  id: "in_1MtHbELkdIwHu7ixl4OzzPMv",
  object: "invoice",
  status: "paid",
  amount_due: 0,
  currency: "usd",
};

/** Stripe API with a secret key: create and read customers, list invoices. */
export const stripeConnector = defineConnector({
  name: "stripe",
  displayName: "Stripe",
  version: "1.0.1",
  description: "Create and read Stripe customers and list invoices (REST API, secret key).",
  authType: "api_key",
  category: "payments",
  tags: ["payments", "billing"],
  connectionConfig: {
    secretKey: t.secret({
      required: true,
      description: "Secret key (sk_live_… / sk_test_…) or restricted key (rk_…).",
    }),
    baseUrl: t.string({ default: DEFAULT_BASE_URL, description: "API base URL." }),
  },
  webhook: { provider: "stripe" },
  errorMap: mapProviderError,
  commands: {
    createWebhookEndpoint: defineCommand<typeof createWebhookEndpointParams, StripeConnection>({
      description:
        "Create a Patchbay webhook endpoint and a Stripe webhook endpoint that delivers to it; Stripe's signing secret is kept by Patchbay (POST /v1/webhook_endpoints).",
      params: createWebhookEndpointParams,
      readOnly: false,
      destructive: false,
      idempotent: false,
      outputs: ["endpointId", "url", "stripeEndpointId"],
      mock: {
        default: () =>
          succeed({
            payload: {
              endpointId: "5f0c3a52-3c1e-4b8e-9d0a-2b8f1c7e4a10",
              url: "https://patchbay.example.com/api/v1/connectors/webhooks/stripe/5f0c3a52-3c1e-4b8e-9d0a-2b8f1c7e4a10",
              stripeEndpointId: "we_1NV",
            },
          }),
      },
      async handler({ params, connection, webhooks, ...call }) {
        const events = params.enabledEvents
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item !== "");
        if (events.length === 0) return fail({ error: "enabledEvents must name at least one event type" });
        if (webhooks === undefined) {
          return fail({ error: "createWebhookEndpoint runs only inside the Patchbay server" });
        }
        const endpoint = await webhooks.createEndpoint({ provider: "stripe" });
        if (!endpoint.ok) return fail({ error: endpoint.error });
        try {
          const response = await stripeApi(
            connection,
            {
              method: "POST",
              path: "/v1/webhook_endpoints",
              form: {
                url: endpoint.url,
                "enabled_events[]": events,
                ...(params.description !== undefined ? { description: params.description } : {}),
              },
            },
            call,
          );
          const created = objectBody(response);
          if (typeof created?.id !== "string" || typeof created.secret !== "string") {
            await webhooks.deleteEndpoint(endpoint.id);
            return unexpectedBody(PROVIDER, "a created webhook endpoint", response);
          }
          // Stripe issues the signing secret; Patchbay seals it and verifies with it from now on.
          await webhooks.updateSecret(endpoint.id, created.secret);
          return succeed({
            payload: { endpointId: endpoint.id, url: endpoint.url, stripeEndpointId: created.id },
          });
        } catch (error) {
          await webhooks.deleteEndpoint(endpoint.id);
          throw error;
        }
      },
    }),

    test: defineCommand<Record<string, never>, StripeConnection>({
      description: "Check that Stripe accepts the key (GET /v1/balance).",
      params: {},
      readOnly: true,
      outputs: ["reachable"],
      mock: { default: () => succeed({ payload: { reachable: true } }) },
      async handler({ connection, ...call }) {
        const response = await stripeApi(connection, { method: "GET", path: "/v1/balance" }, call);
        if (objectBody(response) === undefined) return unexpectedBody(PROVIDER, "/v1/balance", response);
        return succeed({ payload: { reachable: true } });
      },
    }),

    createCustomer: defineCommand<typeof createCustomerParams, StripeConnection>({
      description: "Create a customer (POST /v1/customers).",
      params: createCustomerParams,
      readOnly: false,
      destructive: false,
      idempotent: false,
      outputs: ["customer"],
      mock: {
        default: () =>
          succeed({ payload: { customer: sampleCustomer }, variables: { customerId: sampleCustomer.id } }),
      },
      async handler({ params, connection, ...call }) {
        const metadata = metadataFields(params.metadata);
        if (typeof metadata === "string") return fail({ error: metadata });
        const response = await stripeApi(
          connection,
          {
            method: "POST",
            path: "/v1/customers",
            form: { email: params.email, name: params.name, description: params.description, ...metadata },
            idempotencyKey: params.idempotencyKey,
          },
          call,
        );
        const customer = objectBody(response);
        if (typeof customer?.id !== "string") return unexpectedBody(PROVIDER, "a created customer", response);
        return succeed({ payload: { customer }, variables: { customerId: customer.id } });
      },
    }),

    getCustomer: defineCommand<typeof getCustomerParams, StripeConnection>({
      description: "One customer (GET /v1/customers/{id}); a deleted one has `deleted: true`.",
      params: getCustomerParams,
      readOnly: true,
      outputs: ["customer"],
      mock: {
        default: ({ params }) =>
          succeed({ payload: { customer: { ...sampleCustomer, id: params.customerId } } }),
      },
      async handler({ params, connection, ...call }) {
        if (!CUSTOMER_ID.test(params.customerId))
          return fail({ error: "customerId must be a Stripe customer id (cus_…)" });
        const response = await stripeApi(
          connection,
          { method: "GET", path: `/v1/customers/${params.customerId}` },
          call,
        );
        const customer = objectBody(response);
        if (typeof customer?.id !== "string") return unexpectedBody(PROVIDER, "a customer", response);
        return succeed({ payload: { customer } });
      },
    }),

    listInvoices: defineCommand<typeof listInvoicesParams, StripeConnection>({
      description: "List one page of invoices, newest first (GET /v1/invoices).",
      params: listInvoicesParams,
      readOnly: true,
      outputs: ["invoices", "hasMore", "nextCursor"],
      mock: {
        default: () =>
          succeed({
            payload: { invoices: [sampleInvoice], hasMore: false, nextCursor: null },
            variables: { invoiceCount: 1 },
          }),
        empty: () =>
          succeed({
            payload: { invoices: [], hasMore: false, nextCursor: null },
            variables: { invoiceCount: 0 },
          }),
      },
      async handler({ params, connection, ...call }) {
        if (params.customerId !== undefined && !CUSTOMER_ID.test(params.customerId)) {
          return fail({ error: "customerId must be a Stripe customer id (cus_…)" });
        }
        if (!Number.isInteger(params.limit) || params.limit < 1 || params.limit > 100) {
          return fail({ error: "limit must be a whole number from 1 to 100" });
        }
        const response = await stripeApi(
          connection,
          {
            method: "GET",
            path: "/v1/invoices",
            query: {
              customer: params.customerId,
              status: params.status,
              limit: params.limit,
              starting_after: params.startingAfter,
            },
          },
          call,
        );
        const list = objectBody(response);
        if (list === undefined || !Array.isArray(list.data))
          return unexpectedBody(PROVIDER, "a list of invoices", response);
        const last: unknown = list.data.at(-1);
        const hasMore = list.has_more === true;
        const nextCursor = hasMore && isJsonObject(last) && typeof last.id === "string" ? last.id : null;
        return succeed({
          payload: { invoices: list.data, hasMore, nextCursor },
          variables: { invoiceCount: list.data.length },
        });
      },
    }),
  },
});
