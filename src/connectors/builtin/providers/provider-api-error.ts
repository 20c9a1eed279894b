import type { JsonObject } from "../../define/outcome.ts";

/** How a provider's answer failed, as far as it is safe to tell an operator. */
export interface ProviderFailure {
  /**
   * The HTTP status the failure stands for; it drives the failure class (401/403 auth, 429 rate limit,
   * 5xx unavailable). It differs from the status on the wire when a provider reports an error in band
   * (Slack's `ok: false` on a 200, GitHub's rate limit on a 403).
   */
  status: number;
  /** The provider's machine-readable error code; never free text, which can echo user content. */
  code?: string | number;
  /** How long the provider asked the caller to wait (Retry-After or its body's equivalent). */
  retryAfterSeconds?: number;
}

/**
 * A provider API's failure. Handlers throw it so that {@link mapProviderError} turns it into one
 * operator-safe message; it carries the status, a machine code and a retry delay, never the response
 * body, the credentials or a param's value.
 */
export class ProviderApiError extends Error {
  /** The provider's display name (`Slack`), used in the message. */
  readonly provider: string;
  readonly failure: ProviderFailure;
  /** The HTTP status on the wire. */
  readonly httpStatus: number;

  constructor(provider: string, failure: ProviderFailure, httpStatus: number) {
    super(`${provider} API answered ${httpStatus}`);
    this.name = "ProviderApiError";
    this.provider = provider;
    this.failure = failure;
    this.httpStatus = httpStatus;
  }
}

/** A provider's error code when it is a plain token or number, so that no free text slips through. */
export function safeCode(value: unknown): string | number | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  return typeof value === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : undefined;
}

/**
 * The `errorMap` of every provider connector: a {@link ProviderApiError} becomes a status-only message
 * with the status (and the wire status when it differs), the machine code and the retry delay in the
 * diagnostics; anything else falls through to the dispatcher.
 */
export function mapProviderError(error: unknown): { error: string; diagnostics: JsonObject } | null {
  if (!(error instanceof ProviderApiError)) return null;
  const { provider, failure, httpStatus } = error;
  const message =
    failure.status === 429
      ? `${provider} rate limit reached (429)`
      : `${provider} API error (${failure.status})`;
  return {
    error: message,
    diagnostics: {
      status: failure.status,
      ...(httpStatus !== failure.status ? { httpStatus } : {}),
      ...(failure.code !== undefined ? { code: failure.code } : {}),
      ...(failure.retryAfterSeconds !== undefined ? { retryAfterSeconds: failure.retryAfterSeconds } : {}),
    },
  };
}
