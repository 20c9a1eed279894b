import { Code, ConnectError, createContextKey, type HandlerContext } from "@connectrpc/connect";

/** Who is calling: the API key that authenticated the request. */
export interface Principal {
  /** The API key's id (logged as the principal id; never personal data). */
  readonly keyId: string;
  /** Tenant the key belongs to; every tenant-owned row is scoped by it. */
  readonly tenantId: string;
  /** Subject (the user or service) the key acts for; connections belong to a subject. */
  readonly subject: string;
  /** Granted scopes. */
  readonly scopes: readonly string[];
  /** The key's rate-limit tier, a name from `PATCHBAY_RATE_LIMITS`. */
  readonly rateTier: string;
  /**
   * When the key stops working (its expiry, or the end of a rotation's overlap); null or absent when it
   * does not expire. A key never issues a key that outlives it.
   */
  readonly expiresAt?: Date | null;
  /**
   * True when a rotation replaced the key: it still authenticates during the overlap window, but it is
   * being phased out and may no longer manage keys. The key store always sets it; absent means false
   * (principals not made from a key row, such as a webhook endpoint's command runs).
   */
  readonly replaced?: boolean;
  /** The agent pool an `agent` key serves; null or absent for every other key. */
  readonly agentPool?: string | null;
}

/** Where the auth interceptor leaves the principal for handlers; undefined on public procedures. */
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "principal" });

/**
 * The caller of a procedure that needs a key: every handler of every feature reads it here. The auth
 * interceptor refuses a keyless call before its handler runs, so a missing principal means the handler
 * was reached some other way (a procedure declared public by mistake, a router without the interceptor);
 * the call is refused as unauthenticated rather than served without an owner.
 */
export function requirePrincipal(ctx: Pick<HandlerContext, "values">): Principal {
  const principal = ctx.values.get(principalKey);
  if (principal === undefined) throw new ConnectError("this call needs an API key", Code.Unauthenticated);
  return principal;
}
