import type { OutboundResponse } from "../../../outbound/index.ts";
import type { HandlerArgs } from "../../define/define-connector.ts";
import type { FieldMap } from "../../define/fields.ts";
import { type FailOutcome, fail, type JsonObject } from "../../define/outcome.ts";
import { ProviderApiError, type ProviderFailure } from "./provider-api-error.ts";

/** Query or form fields; undefined ones are left out, a list repeats its key. */
export type Fields = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

/**
 * What a provider call goes out with, taken from the handler's own arguments: its cancellation and its
 * context, whose outbound client sends the request.
 */
export type ProviderCall = Pick<HandlerArgs<FieldMap, unknown>, "signal" | "context">;

/** Reads a provider's answer: the failure it reports, or undefined when it succeeded. */
export type ReadFailure = (response: OutboundResponse) => ProviderFailure | undefined;

/** One call to a provider's API. */
export interface ProviderRequest {
  /** Display name for messages (`Stripe`). */
  provider: string;
  /** The API's base URL, without a trailing slash needed. */
  baseUrl: string;
  method: "GET" | "POST";
  /** Path below the base URL; segments taken from params must be checked by the caller first. */
  path: string;
  query?: Fields;
  /** Credentials and provider headers. */
  headers: Readonly<Record<string, string>>;
  /** A JSON body. */
  json?: JsonObject;
  /** An `application/x-www-form-urlencoded` body (Stripe, Twilio). */
  form?: Fields;
  /** The handler's signal and context (its outbound client). */
  call: ProviderCall;
  /** The provider's own reading of failures; {@link httpFailure} when absent. */
  readFailure?: ReadFailure;
}

/** Retry-After in seconds, when the answer carries a numeric one. */
export function retryAfterHeader(response: OutboundResponse): number | undefined {
  const header = response.headers["retry-after"];
  const seconds = header === undefined || header.trim() === "" ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** The default reading: any non-2xx is a failure with its status and Retry-After. */
export function httpFailure(response: OutboundResponse): ProviderFailure | undefined {
  if (response.status >= 200 && response.status < 300) return undefined;
  const retryAfterSeconds = retryAfterHeader(response);
  return { status: response.status, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The answer's body when it is a JSON object. */
export function objectBody(response: OutboundResponse): JsonObject | undefined {
  return isJsonObject(response.body) ? response.body : undefined;
}

function encode(fields: Fields): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else if (value !== undefined) params.append(key, String(value));
  }
  return params.toString();
}

/**
 * Sends one request through the execution's SSRF-safe outbound client and returns the answer when the provider
 * reports success; otherwise throws a {@link ProviderApiError} for the connector's `errorMap`. An
 * unusable base URL fails in the outbound client (`BAD_URL`), before anything is sent.
 */
export async function callProvider(request: ProviderRequest): Promise<OutboundResponse> {
  const query = request.query === undefined ? "" : encode(request.query);
  const url = `${request.baseUrl.replace(/\/+$/, "")}${request.path}${query === "" ? "" : `?${query}`}`;
  const headers: Record<string, string> = { accept: "application/json", ...request.headers };
  let body: string | JsonObject | undefined = request.json;
  if (request.form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = encode(request.form);
  }
  const response = await request.call.context.outbound.request(url, {
    method: request.method,
    headers,
    ...(body !== undefined ? { body } : {}),
    signal: request.call.signal,
  });
  const failure = (request.readFailure ?? httpFailure)(response);
  if (failure !== undefined) throw new ProviderApiError(request.provider, failure, response.status);
  return response;
}

/** The failure for a success answer whose body is not the documented shape. */
export function unexpectedBody(provider: string, what: string, response: OutboundResponse): FailOutcome {
  return fail({
    error: `${provider} returned an unexpected body for ${what}`,
    diagnostics: { status: response.status },
  });
}
