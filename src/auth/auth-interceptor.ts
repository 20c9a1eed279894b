import type { DescMethod } from "@bufbuild/protobuf";
import { getOption, hasOption } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { SpanKind } from "@opentelemetry/api";
import { access } from "../../gen/patchbay/v1/common_pb.ts";
import { failSpan, type Tracing, traceContextKey } from "../tracing/index.ts";
import type { ApiKeyStore } from "./api-keys.ts";
import { keyRefusalKey, MISSING_KEY_MESSAGE, UNKNOWN_KEY_MESSAGE } from "./key-refusal.ts";
import { principalKey } from "./principal.ts";
import { hasScope } from "./scopes.ts";

/** Who may call a procedure: anyone, or a key holding `scope`. */
export type AccessRule = { readonly public: true } | { readonly public: false; readonly scope: string };

// Protocol infrastructure that load balancers and tools call without credentials.
const PUBLIC_SERVICES = new Set(["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"]);

/**
 * The access rule of a procedure, from its `(patchbay.v1.access)` option. A procedure without one
 * needs `admin`: forgetting the annotation fails closed.
 */
export function accessRuleFor(method: DescMethod): AccessRule {
  if (PUBLIC_SERVICES.has(method.parent.typeName)) return { public: true };
  if (!hasOption(method, access)) return { public: false, scope: "admin" };
  const option = getOption(method, access);
  return option.public ? { public: true } : { public: false, scope: option.scope || "admin" };
}

/**
 * {@link accessRuleFor} read once per procedure (options are decoded from the descriptor on every
 * getOption).
 */
export function createAccessRules(): (method: DescMethod) => AccessRule {
  const rules = new WeakMap<DescMethod, AccessRule>();
  return (method) => {
    let rule = rules.get(method);
    if (rule === undefined) {
      rule = accessRuleFor(method);
      rules.set(method, rule);
    }
    return rule;
  };
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(header: Pick<Headers, "get">): string | undefined {
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
export function createAuthInterceptor(keys: ApiKeyStore, tracing?: Tracing): Interceptor {
  const ruleOf = createAccessRules();
  return (next) => async (req) => {
    // Refused before its body was read: the call carries an empty input it must never be run with.
    const refused = req.contextValues.get(keyRefusalKey);
    if (refused !== undefined) throw refused.refusal;
    const rule = ruleOf(req.method);
    if (rule.public) return next(req);
    const key = presentedKey(req.header);
    if (key === undefined) {
      throw new ConnectError(MISSING_KEY_MESSAGE, Code.Unauthenticated);
    }
    const parent = tracing === undefined ? undefined : req.contextValues.get(traceContextKey);
    const traced =
      tracing === undefined || parent === undefined
        ? undefined
        : tracing.start("authenticate", { kind: SpanKind.INTERNAL }, parent);
    let principal: Awaited<ReturnType<ApiKeyStore["verify"]>>;
    try {
      principal = await (traced === undefined || tracing === undefined
        ? keys.verify(key)
        : tracing.run(traced.context, () => keys.verify(key)));
    } finally {
      if (traced !== undefined && principal === undefined) failSpan(traced.span, "unauthenticated");
      traced?.span.end();
    }
    if (principal === undefined) throw new ConnectError(UNKNOWN_KEY_MESSAGE, Code.Unauthenticated);
    req.contextValues.set(principalKey, principal);
    if (!hasScope(principal.scopes, rule.scope)) {
      throw new ConnectError(`API key lacks scope '${rule.scope}'`, Code.PermissionDenied);
    }
    return next(req);
  };
}
