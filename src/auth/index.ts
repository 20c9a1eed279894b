export {
  type ApiKeyAdmin,
  type ApiKeyAdminOptions,
  type CreateKeyInput,
  createApiKeyAdmin,
  type KeyAdminCaller,
  type KeyCursor,
  REPLACED_KEY_MESSAGE,
  refuseReplacedKey,
} from "./api-key-admin.ts";
export { ApiKeyEntity, type ApiKeyRow } from "./api-key-entity.ts";
export { EXPIRY_SWEEP_MS, startApiKeyExpirySweep, sweepExpiredApiKeys } from "./api-key-expiry-sweep.ts";
export { type ApiKeyState, apiKeyState } from "./api-key-info.ts";
export {
  AGENT_POOL_NAME,
  DEFAULT_OVERLAP_SECONDS,
  MAX_NAME_LENGTH,
  MAX_OVERLAP_SECONDS,
  MAX_SUBJECT_LENGTH,
} from "./api-key-rules.ts";
export { type ApiKeyServiceDeps, registerApiKeys } from "./api-key-service.ts";
export {
  type ApiKeyInfo,
  ApiKeyInputError,
  type ApiKeyStore,
  createApiKeyStore,
  generateApiKey,
  hashApiKey,
  KEY_LOOKUPS_AT_ONCE,
  KEY_LOOKUPS_WAITING,
  type NewApiKey,
  VERIFIED_CACHE_MS,
  VERIFIED_STALE_MS,
} from "./api-keys.ts";
export {
  type AccessRule,
  accessRuleFor,
  createAccessRules,
  createAuthInterceptor,
  presentedKey,
} from "./auth-interceptor.ts";
export { BOOTSTRAP_TENANT, type BootstrapResult, bootstrapAdminKey } from "./bootstrap-admin-key.ts";
export { createKeyPrecheck, type KeyPrecheck } from "./key-precheck.ts";
export {
  type KeyRefusal,
  keyRefusalKey,
  keyRefusalValues,
  MISSING_KEY_MESSAGE,
  UNKNOWN_KEY_MESSAGE,
} from "./key-refusal.ts";
export { type Principal, principalKey, requirePrincipal } from "./principal.ts";
export { REVOCATION_CHANNEL } from "./revocation-channel.ts";
export { listenForRevocations } from "./revocation-listener.ts";
export { hasScope, isScope, SCOPES, type Scope } from "./scopes.ts";
