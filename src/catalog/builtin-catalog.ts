import type { StoredConfigSchema } from "./connector-entity.ts";

/** A built-in connector's catalog entry, as upserted on every start. */
export interface BuiltinCatalogEntry {
  slug: string;
  name: string;
  description: string;
  authType: "none" | "api_key" | "oauth";
  category: string;
  tags: string[];
  version: string;
  configSchema: StoredConfigSchema;
}

// The two simplest built-ins of seed 004. Their handlers arrive with the connector framework; the catalog
// rows (and their commands) are what the API serves now.
const http: BuiltinCatalogEntry = {
  slug: "http",
  name: "HTTP",
  description: "Send an HTTP request to any allowed URL and return the status, headers and body.",
  authType: "none",
  category: "utility",
  tags: ["http", "rest", "webhook"],
  version: "1.0.0",
  configSchema: {
    connectionConfig: {},
    commands: {
      request: {
        description: "Send one HTTP request.",
        params: ["url", "method", "headers", "body", "timeoutMs"],
        outputs: ["status", "headers", "body"],
        paramSchema: {
          url: { type: "string", required: true, description: "Absolute http(s) URL." },
          method: {
            type: "select",
            default: "GET",
            options: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"],
            description: "HTTP method.",
          },
          headers: { type: "raw", description: "Request headers as an object of strings." },
          body: { type: "raw", description: "Request body; objects are sent as JSON." },
          timeoutMs: { type: "number", default: 30000, description: "Give up after this many milliseconds." },
        },
      },
    },
  },
};

const delay: BuiltinCatalogEntry = {
  slug: "delay",
  name: "Delay",
  description: "Wait for delayMs milliseconds.",
  authType: "none",
  category: "utility",
  tags: ["flow"],
  version: "1.0.0",
  configSchema: {
    connectionConfig: {},
    commands: {
      wait: {
        description: "Wait for delayMs milliseconds.",
        params: ["delayMs"],
        outputs: ["delayed"],
        paramSchema: { delayMs: { type: "number", default: 1000, description: "Milliseconds to wait." } },
      },
    },
  },
};

/** Every built-in catalog entry, registered through this one list. */
export const BUILTIN_CATALOG: readonly BuiltinCatalogEntry[] = [delay, http];
