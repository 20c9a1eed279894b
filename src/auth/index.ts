export { ApiKeyEntity, type ApiKeyRow } from "./api-key-entity.ts";
export {
  type ApiKeyInfo,
  ApiKeyInputError,
  type ApiKeyStore,
  createApiKeyStore,
  generateApiKey,
  hashApiKey,
  type NewApiKey,
} from "./api-keys.ts";
export { type AccessRule, accessRuleFor, createAuthInterceptor } from "./auth-interceptor.ts";
export { BOOTSTRAP_TENANT, type BootstrapResult, bootstrapAdminKey } from "./bootstrap-admin-key.ts";
export { type Principal, principalKey, requirePrincipal } from "./principal.ts";
export { listenForRevocations, REVOCATION_CHANNEL } from "./revocation-listener.ts";
export { hasScope, isScope, SCOPES, type Scope } from "./scopes.ts";
