import { createHash } from "node:crypto";
import type { ConnectorResult } from "../define/outcome.ts";
import {
  type ClientCredentialsGrant,
  requestClientCredentialsToken,
  type TokenAnswer,
  type TokenFetch,
} from "./request-client-credentials-token.ts";

/** Settings of {@link createTokenCache}; every field is optional. */
export interface TokenCacheOptions {
  /** Milliseconds since the epoch; `Date.now` when absent. Tests move it to expire tokens. */
  now?: () => number;
  /** Tokens kept at most; the oldest is dropped first. 1,000 when absent. */
  maxEntries?: number;
}

/** How one caller waits for a token. */
export interface TokenRequest {
  /** Sends the token request when the token is not cached. */
  fetch: TokenFetch;
  /** Deadline of the token request. */
  timeoutMs: number;
  /** The caller's cancellation: it stops the wait (rethrowing the reason), not a request others share. */
  signal: AbortSignal;
}

/** A token handed out, with what {@link TokenCache.forget} needs to drop it. */
export interface IssuedToken {
  key: string;
  /** A secret: never log it. */
  token: string;
}

/** The token for a grant, or why there is none. */
export type TokenOutcome = ({ ok: true } & IssuedToken) | { ok: false; result: ConnectorResult };

/** Client credentials access tokens, kept in memory until shortly before they expire, 24 h at most. */
export interface TokenCache {
  /**
   * The cached token for `grant`, else a new one from its token endpoint. Concurrent calls for the same
   * grant share one request; a failed request is not cached.
   */
  get(grant: ClientCredentialsGrant, request: TokenRequest): Promise<TokenOutcome>;
  /** Drops a token the upstream refused, unless a newer one has replaced it already. */
  forget(issued: IssuedToken): void;
}

/** A token is dropped this long before `expires_in` runs out, so it does not expire in flight. */
export const EXPIRY_MARGIN_MS = 30_000;
/** How long a token whose answer had no `expires_in` is kept. */
export const DEFAULT_LIFETIME_MS = 5 * 60_000;
/** The longest a token is kept, whatever `expires_in` says: a leaked or revoked token ages out. */
export const MAX_LIFETIME_MS = 24 * 60 * 60_000;
/** Default {@link TokenCacheOptions.maxEntries}. */
export const MAX_TOKENS = 1_000;

// The secret is part of the key (a rotated secret must not reuse the old token) only as a digest, so
// the key is safe to hold and compare.
function keyOf(grant: ClientCredentialsGrant): string {
  const secret = createHash("sha256").update(grant.clientSecret).digest("base64url");
  return JSON.stringify([grant.tokenUrl, grant.clientId, secret, [...grant.scopes].sort()]);
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Builds an empty {@link TokenCache}. */
export function createTokenCache(options: TokenCacheOptions = {}): TokenCache {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? MAX_TOKENS;
  const tokens = new Map<string, { token: string; expiresAt: number }>();
  const pending = new Map<string, Promise<TokenOutcome>>();

  function keep(key: string, answer: Extract<TokenAnswer, { ok: true }>): void {
    const lifetime = Math.min(
      MAX_LIFETIME_MS,
      answer.expiresIn === undefined ? DEFAULT_LIFETIME_MS : answer.expiresIn * 1000 - EXPIRY_MARGIN_MS,
    );
    if (!(lifetime > 0)) return;
    tokens.delete(key);
    while (tokens.size >= maxEntries) {
      const oldest = tokens.keys().next();
      if (oldest.done === true) break;
      tokens.delete(oldest.value);
    }
    tokens.set(key, { token: answer.token, expiresAt: now() + lifetime });
  }

  return {
    get(grant, request) {
      if (request.signal.aborted) return Promise.reject(request.signal.reason);
      const key = keyOf(grant);
      const cached = tokens.get(key);
      if (cached !== undefined && cached.expiresAt > now())
        return Promise.resolve({ ok: true, key, token: cached.token });
      if (cached !== undefined) tokens.delete(key);
      let shared = pending.get(key);
      if (shared === undefined) {
        shared = requestClientCredentialsToken(grant, request.fetch, request.timeoutMs).then(
          (answer): TokenOutcome => {
            pending.delete(key);
            if (!answer.ok) return answer;
            keep(key, answer);
            return { ok: true, key, token: answer.token };
          },
        );
        pending.set(key, shared);
      }
      return untilAborted(shared, request.signal);
    },
    forget(issued) {
      if (tokens.get(issued.key)?.token === issued.token) tokens.delete(issued.key);
    },
  };
}
