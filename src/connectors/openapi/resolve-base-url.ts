import type { OpenApiPlan, OperationPlan } from "./openapi-plan.ts";

function httpUrl(text: string, base?: URL): URL | undefined {
  if (!URL.canParse(text, base?.href)) return undefined;
  const url = new URL(text, base);
  return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
}

/**
 * The base URL requests go to: the connection's `baseUrl` when set, else the document's first server.
 * An operation with servers of its own (operation or path item `servers`) goes where the description
 * says instead: its absolute server URL, or its server path on the connection's origin. Undefined unless
 * the result is an absolute http(s) URL (a relative server URL needs the connection's). The egress policy
 * applies to whichever it is: every request goes through the outbound client.
 */
export function resolveBaseUrl(
  plan: OpenApiPlan,
  config: Record<string, unknown>,
  operation?: OperationPlan,
): URL | undefined {
  const text =
    typeof config.baseUrl === "string" && config.baseUrl.trim() !== "" ? config.baseUrl.trim() : plan.baseUrl;
  const base = httpUrl(text);
  if (operation?.baseUrl === undefined) return base;
  return httpUrl(operation.baseUrl, base);
}
