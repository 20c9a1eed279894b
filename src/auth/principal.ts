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
}

/** Where the auth interceptor leaves the principal for handlers; undefined on public procedures. */
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "principal" });

/** The caller of an authenticated procedure; a missing principal there is a server bug (INTERNAL). */
export function requirePrincipal(ctx: Pick<HandlerContext, "values">): Principal {
  const principal = ctx.values.get(principalKey);
  if (principal === undefined) throw new ConnectError("no principal on an authenticated call", Code.Internal);
  return principal;
}
