import type { OpenApiPlan } from "./openapi-plan.ts";

/**
 * The base URL requests go to: the connection's `baseUrl` when set, else the document's first server.
 * Undefined unless it is an absolute http(s) URL (a relative server URL needs the connection's).
 */
export function resolveBaseUrl(plan: OpenApiPlan, config: Record<string, unknown>): URL | undefined {
  const text =
    typeof config.baseUrl === "string" && config.baseUrl.trim() !== "" ? config.baseUrl.trim() : plan.baseUrl;
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
}
