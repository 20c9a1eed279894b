import { defineCommand, defineConnector } from "../define/define-connector.ts";
import { t } from "../define/fields.ts";
import { fail } from "../define/outcome.ts";

const requestParams = {
  url: t.string({ required: true, description: "Absolute http(s) URL." }),
  method: t.select(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], {
    default: "GET",
    description: "HTTP method.",
  }),
  headers: t.raw<Record<string, string>>({ description: "Request headers as an object of strings." }),
  body: t.raw({ description: "Request body; objects are sent as JSON." }),
  timeoutMs: t.number({ default: 30000, description: "Give up after this many milliseconds." }),
};

/** The generic HTTP request connector (seed 004's `http` built-in). */
export const httpConnector = defineConnector({
  name: "http",
  displayName: "HTTP",
  version: "1.0.0",
  description: "Send an HTTP request to any allowed URL and return the status, headers and body.",
  authType: "none",
  category: "utility",
  tags: ["http", "rest", "webhook"],
  defaultCommand: "request",
  commands: {
    // No effect hints: whether a request reads, writes or deletes depends on its method and the API behind it.
    request: defineCommand({
      description: "Send one HTTP request.",
      params: requestParams,
      outputs: ["status", "headers", "body"],
      async handler({ params, signal, context }) {
        if (!/^https?:\/\//i.test(params.url))
          return fail({ error: "url must be an absolute http or https URL" });
        const response = await context.outbound.request(params.url, {
          method: params.method,
          headers: params.headers ?? {},
          body: params.body,
          timeoutMs: params.timeoutMs,
          signal,
        });
        const payload = { status: response.status, headers: response.headers, body: response.body };
        if (response.status >= 400) {
          return fail({ error: `HTTP ${response.status}`, diagnostics: { statusCode: response.status } });
        }
        // The plain form the connector docs allow beside succeed(): both type-check and run alike.
        return { payload, variables: { httpStatus: response.status } };
      },
    }),
  },
});
