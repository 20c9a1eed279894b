import type { DescMethod } from "@bufbuild/protobuf";
import { getOption, hasOption } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { access } from "../../gen/patchbay/v1/common_pb.ts";
import type { ApiKeyStore } from "./api-keys.ts";
import { principalKey } from "./principal.ts";
import { hasScope } from "./scopes.ts";

/** Who may call a procedure: anyone, or a key holding `scope`. */
export type AccessRule = { readonly public: true } | { readonly public: false; readonly scope: string };

// Protocol infrastructure that load balancers and tools call without credentials.
const PUBLIC_SERVICES = new Set(["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"]);
const rules = new WeakMap<DescMethod, AccessRule>();

/**
 * The access rule of a procedure, from its `(patchbay.v1.access)` option. A procedure without one
 * needs `admin`: forgetting the annotation fails closed.
 */
export function accessRuleFor(method: DescMethod): AccessRule {
  let rule = rules.get(method);
  if (rule === undefined) {
    if (PUBLIC_SERVICES.has(method.parent.typeName)) {
      rule = { public: true };
    } else if (hasOption(method, access)) {
      const option = getOption(method, access);
      rule = option.public ? { public: true } : { public: false, scope: option.scope || "admin" };
    } else {
      rule = { public: false, scope: "admin" };
    }
    rules.set(method, rule);
  }
  return rule;
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(header: Headers): string | undefined {
  const authorization = header.get("authorization");
  if (authorization !== null) {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  return header.get("x-api-key")?.trim() || undefined;
}

/**
 * Authenticates every non-public call with an API key and checks the procedure's scope; leaves the
 * principal in the context values for handlers and the request log.
 */
export function createAuthInterceptor(keys: ApiKeyStore): Interceptor {
  return (next) => async (req) => {
    const rule = accessRuleFor(req.method);
    if (rule.public) return next(req);
    const key = presentedKey(req.header);
    if (key === undefined) {
      throw new ConnectError(
        "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
        Code.Unauthenticated,
      );
    }
    const principal = await keys.verify(key);
    if (principal === undefined) throw new ConnectError("unknown or revoked API key", Code.Unauthenticated);
    req.contextValues.set(principalKey, principal);
    if (!hasScope(principal.scopes, rule.scope)) {
      throw new ConnectError(`API key lacks scope '${rule.scope}'`, Code.PermissionDenied);
    }
    return next(req);
  };
}
