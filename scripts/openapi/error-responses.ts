import { Code } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { HTTP_STATUS_BY_CODE } from "../../src/protocol/http-status.ts";
import type { JsonObject } from "./json.ts";

/**
 * The codes whose HTTP statuses every operation documents; the rest share `default`. Statuses come from
 * HTTP_STATUS_BY_CODE, the bridge's own table, so the document cannot drift from what the bridge sends.
 */
export const DOCUMENTED_ERROR_CODES: readonly Code[] = [
  Code.InvalidArgument,
  Code.Unauthenticated,
  Code.PermissionDenied,
  Code.NotFound,
  Code.ResourceExhausted,
  Code.Internal,
  Code.Unavailable,
];

// A public RPC takes no API key, so it never answers for a missing key or scope.
const KEY_ONLY_CODES: ReadonlySet<Code> = new Set([Code.Unauthenticated, Code.PermissionDenied]);

/** Every code of the table, in numeric order. */
export function allCodes(): Code[] {
  return Object.keys(HTTP_STATUS_BY_CODE)
    .map(Number)
    .sort((a, b) => a - b);
}

function statusOf(code: Code): number {
  return HTTP_STATUS_BY_CODE[code];
}

/** The error statuses an operation documents, ascending; without 401 and 403 for a public RPC. */
export function documentedErrorStatuses(isPublic: boolean): number[] {
  const codes = DOCUMENTED_ERROR_CODES.filter((c) => !(isPublic && KEY_ONLY_CODES.has(c)));
  return [...new Set(codes.map(statusOf))].sort((a, b) => a - b);
}

/** components.responses key of the error response for `status`. */
export function errorResponseName(status: number): string {
  return `Error${status}`;
}

/** components.responses key of the catch-all error response. */
export const DEFAULT_ERROR_RESPONSE = "Error";

function codeList(codes: readonly Code[]): string {
  const names = codes.map((c) => `\`${codeToString(c)}\``);
  const last = names.pop();
  return names.length === 0 ? (last ?? "") : `${names.join(", ")} or ${last}`;
}

const ERROR_HEADERS: JsonObject = { "x-patchbay-error": { $ref: "#/components/headers/x-patchbay-error" } };
const RATE_LIMIT_HEADERS: JsonObject = {
  "X-RateLimit-Limit": { $ref: "#/components/headers/X-RateLimit-Limit" },
  "X-RateLimit-Remaining": { $ref: "#/components/headers/X-RateLimit-Remaining" },
  "X-RateLimit-Reset": { $ref: "#/components/headers/X-RateLimit-Reset" },
};

/** The rate-limit headers every response to an API-key request carries, as header `$ref`s. */
export function rateLimitHeaders(): JsonObject {
  return { ...RATE_LIMIT_HEADERS };
}

function errorResponse(description: string, headers: JsonObject): JsonObject {
  return {
    description,
    headers,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
}

/** components.responses for every documented error status plus the catch-all, from the status table. */
export function errorResponses(): Record<string, JsonObject> {
  const responses: Record<string, JsonObject> = {};
  const documented = new Set(documentedErrorStatuses(false));
  for (const status of [...documented].sort((a, b) => a - b)) {
    const codes = allCodes().filter((c) => statusOf(c) === status);
    const headers: JsonObject =
      status === statusOf(Code.ResourceExhausted)
        ? {
            ...ERROR_HEADERS,
            "Retry-After": { $ref: "#/components/headers/Retry-After" },
            ...RATE_LIMIT_HEADERS,
          }
        : { ...ERROR_HEADERS };
    responses[errorResponseName(status)] = errorResponse(`An error with code ${codeList(codes)}.`, headers);
  }
  // The whole table, so that a status an operation does not list (409, 499, 501, 504, or 401 from a
  // public receiver checking a signature) is still explained.
  const rows = allCodes().map((c) => `| \`${codeToString(c)}\` | ${statusOf(c)} |`);
  responses[DEFAULT_ERROR_RESPONSE] = errorResponse(
    [
      "Any other error. Its HTTP status follows its code:",
      "",
      "| code | HTTP status |",
      "| --- | --- |",
      ...rows,
    ].join("\n"),
    { ...ERROR_HEADERS },
  );
  return responses;
}

/** components.schemas.Error: the Connect error body the bridge writes (connectrpc.com/docs/protocol). */
export function errorSchema(): JsonObject {
  return {
    type: "object",
    description:
      "An RPC error in the Connect protocol's JSON form. `message` is short and operator-safe; " +
      "`details` carry typed error details such as patchbay.v1.ExecutionFailure.",
    properties: {
      code: {
        type: "string",
        description: "The error code; it fixes the HTTP status (Connect's code-to-status table).",
        enum: allCodes().map(codeToString),
      },
      message: {
        type: "string",
        description: "Short operator-safe message, also sent as `x-patchbay-error`.",
      },
      details: {
        type: "array",
        items: {
          type: "object",
          properties: {
            type: {
              type: "string",
              description: "Full name of the detail's message, e.g. patchbay.v1.ExecutionFailure.",
            },
            value: {
              type: "string",
              contentEncoding: "base64",
              description: "The detail's binary encoding, base64 without padding.",
            },
            debug: {
              type: "object",
              additionalProperties: {},
              description: "The detail as JSON when the server could encode it; do not depend on it.",
            },
          },
          required: ["type", "value"],
        },
      },
    },
    required: ["code"],
  };
}

/** components.headers: the error header, the rate-limit headers and Retry-After. */
export function headerComponents(): Record<string, JsonObject> {
  return {
    "x-patchbay-error": {
      description: "Short operator-safe message, same as body.message.",
      schema: { type: "string" },
    },
    "X-RateLimit-Limit": {
      description: "Requests the API key's tier allows per window.",
      schema: { type: "integer", minimum: 0 },
    },
    "X-RateLimit-Remaining": {
      description: "Requests left in the current window.",
      schema: { type: "integer", minimum: 0 },
    },
    "X-RateLimit-Reset": {
      description: "Unix time, in seconds, when the current window ends and the limit resets.",
      schema: { type: "integer", minimum: 0 },
    },
    "Retry-After": {
      description: "Seconds to wait before retrying (RFC 9110 section 10.2.3).",
      schema: { type: "integer", minimum: 0 },
    },
  };
}
