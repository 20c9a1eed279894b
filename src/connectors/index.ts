export { BUILT_IN_DEFINITIONS } from "./builtin/index.ts";
export { AUTH_TYPES, type AuthType, isAuthType } from "./define/auth-types.ts";
export { type CommandEffects, effectsConflict } from "./define/command-effects.ts";
export {
  type CommandDefinition,
  type ConnectorContext,
  type ConnectorDefinition,
  type ConnectorLogger,
  connectionFields,
  defineCommand,
  defineConnector,
  type HandlerArgs,
  type MockScenario,
  type OAuthSettings,
  type RegisteredEndpoint,
  type WebhookRegistrar,
  type WebhookSettings,
} from "./define/define-connector.ts";
export {
  type ExecuteOptions,
  executeDefinition,
  type PreparedCommand,
  prepareCommand,
} from "./define/dispatcher.ts";
export { effectiveConfig, holdsSecret, lockedFields } from "./define/effective-config.ts";
export {
  FIELD_KINDS,
  type FieldDef,
  type FieldKind,
  type FieldMap,
  type InferFields,
  isFieldKind,
  isMissing,
  t,
  valueProblem,
} from "./define/fields.ts";
export {
  type CommandOutcome,
  type ConnectorResult,
  type FailOutcome,
  fail,
  type JsonObject,
  LEGACY_KEYS_MESSAGE,
  outcomeToResult,
  type PlainOutcome,
  type SucceedOutcome,
  succeed,
} from "./define/outcome.ts";
export { toConfigSchema } from "./define/to-config-schema.ts";
