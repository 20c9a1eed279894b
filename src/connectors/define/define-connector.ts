import type { OutboundClient } from "../../outbound/outbound-client.ts";
import type { AuthType } from "./auth-types.ts";
import { type CommandEffects, effectsConflict } from "./command-effects.ts";
import type { FieldDef, FieldMap, InferFields } from "./fields.ts";
import { isRequestableScenario } from "./is-requestable-scenario.ts";
import type { CommandOutcome, JsonObject } from "./outcome.ts";

/** Where a connector writes log lines; routed to the service logger with the connector's name. */
export interface ConnectorLogger {
  trace(message: string, fields?: JsonObject): void;
  debug(message: string, fields?: JsonObject): void;
  info(message: string, fields?: JsonObject): void;
  warn(message: string, fields?: JsonObject): void;
  error(message: string, fields?: JsonObject): void;
}

/**
 * The execution context (seed 004): `config` is the step config (the command name and its params),
 * `connectorConfig` the decrypted connection/instance config, `variables` the run's variable bag, and
 * `outbound` the client every outbound call goes through.
 */
export interface ConnectorContext {
  config: JsonObject;
  connectorConfig: JsonObject;
  variables: JsonObject;
  stepId: string;
  runId: string;
  /**
   * The SSRF-safe outbound client of whoever runs the command (the server, an external connector's
   * process, a test), under its egress policy. Handlers send every HTTP request through it.
   */
  outbound: OutboundClient;
}

/** A webhook endpoint a setup command created, or why it could not. */
export type RegisteredEndpoint =
  | { readonly ok: true; readonly id: string; readonly url: string; readonly secret: string }
  | { readonly ok: false; readonly error: string };

/**
 * Lets a setup command (Telegram `setupWebhook`, GitHub `createWebhook`, …) create the Patchbay webhook
 * endpoint it then registers with the provider. Given to handlers that run inside the server.
 */
export interface WebhookRegistrar {
  /**
   * Creates an endpoint for this connector and connection (its jobs wait for pull consumers) with the
   * given secret, or one generated in the provider's format. Refuses, with a message naming
   * PATCHBAY_PUBLIC_URL, when providers could not reach the endpoint's URL (localhost, a private
   * address, plain http) unless development callbacks are allowed.
   */
  createEndpoint(input: { provider: string; secret?: string }): Promise<RegisteredEndpoint>;
  /** Replaces the secret (providers such as Stripe issue it only when the URL is registered). */
  updateSecret(id: string, secret: string): Promise<void>;
  /** Deletes an endpoint this registrar created (when registering it with the provider failed). */
  deleteEndpoint(id: string): Promise<void>;
}

/** What a handler receives. */
export interface HandlerArgs<P extends FieldMap, C> {
  /** The params, typed from the command's schema, with defaults applied. */
  params: InferFields<P>;
  /** The decrypted connection fields. */
  connection: C;
  logger: ConnectorLogger;
  context: ConnectorContext;
  /** Aborted when the caller's deadline or timeout passes or it goes away; pass it to outbound calls. */
  signal: AbortSignal;
  /** Webhook endpoint management for setup commands; absent outside the server (unit tests, CLI). */
  webhooks?: WebhookRegistrar;
}

/** A canned outcome for tests and mock mode. */
export type MockScenario<P extends FieldMap = FieldMap> = (args: {
  params: InferFields<P>;
}) => CommandOutcome | Promise<CommandOutcome>;

/**
 * One command of a connector. Its effect hints (`readOnly`, `destructive`, `idempotent`; see
 * `CommandEffects`) are left out when the command cannot know them, such as a generic HTTP call.
 */
export interface CommandDefinition<P extends FieldMap = FieldMap, C = Record<string, unknown>>
  extends CommandEffects {
  description: string;
  params: P;
  /** Declared payload keys; metadata only (versioning diffs them). */
  outputs?: readonly string[];
  deprecated?: boolean;
  deprecatedMessage?: string;
  addedInVersion?: string;
  /** Named canned outcomes (`default`, `empty`, …) for tests and connector-level mock mode. */
  mock?: Readonly<Record<string, MockScenario<P>>>;
  handler(args: HandlerArgs<P, C>): CommandOutcome | Promise<CommandOutcome>;
}

/** Settings of an OAuth 2.0 connector (used by the connections capability). */
export interface OAuthSettings {
  authorizeUrl: string;
  tokenUrl: string;
  scopes: readonly string[];
  /** Extra authorize-request parameters (for example `access_type=offline`). */
  extraAuthorizeParams?: Readonly<Record<string, string>>;
  /** Parameters that force the provider's account picker (for example `prompt=select_account`). */
  selectAccountParams?: Readonly<Record<string, string>>;
  /** Token revocation endpoint, called when a connection is deleted. */
  revokeUrl?: string;
  /** How the client authenticates at the token and revocation endpoints; `client_secret_basic` when absent. */
  tokenAuthMethod?: "client_secret_basic" | "client_secret_post";
  /**
   * The provider's issuer identifier (RFC 8414). When set, a callback `iss` parameter (RFC 9207) must
   * equal it; when absent, the authorize URL's origin stands in and a callback `iss` is not checked.
   */
  issuer?: string;
}

/** Settings of a connector that receives provider webhooks (used by the webhooks capability). */
export interface WebhookSettings {
  provider: string;
}

/** A whole connector. */
export interface ConnectorDefinition {
  /** Slug: kebab-case, unique. */
  name: string;
  /** Semver of the schema. */
  version: string;
  description: string;
  /** Display name; derived from `name` when absent. */
  displayName?: string;
  authType: AuthType;
  category?: string;
  tags?: readonly string[];
  /** Fields a connection (or connector instance) supplies. */
  connectionConfig?: FieldMap;
  // biome-ignore lint/suspicious/noExplicitAny: commands are heterogeneous; each is typed where it is defined.
  commands: Readonly<Record<string, CommandDefinition<any, any>>>;
  /** Maps a thrown error to an operator-safe `{error, diagnostics}`; null to fall back to its message. */
  errorMap?: (error: unknown) => { error: string; diagnostics?: JsonObject } | null;
  /** Command used when the step names none. */
  defaultCommand?: string;
  oauth?: OAuthSettings;
  webhook?: WebhookSettings;
}

/**
 * Declares a command. Pass the params schema's type and the connection type as generics to type both:
 * `defineCommand<typeof listParams, WidgetConnection>({...})`; with none, `params` is inferred from the
 * object literal and `connection` is `Record<string, unknown>`.
 */
export function defineCommand<P extends FieldMap, C = Record<string, unknown>>(
  command: CommandDefinition<P, C>,
): CommandDefinition<P, C> {
  return command;
}

/** Declares a connector; checks its shape once, when the module loads. */
export function defineConnector<const D extends ConnectorDefinition>(definition: D): D {
  if (!/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/.test(definition.name)) {
    throw new Error(`connector name '${definition.name}' must be kebab-case`);
  }
  if (!/^\d+\.\d+\.\d+$/.test(definition.version)) {
    throw new Error(`connector '${definition.name}' version must be MAJOR.MINOR.PATCH`);
  }
  if (definition.defaultCommand !== undefined && !(definition.defaultCommand in definition.commands)) {
    throw new Error(`connector '${definition.name}' defaultCommand names no command`);
  }
  for (const [name, command] of Object.entries(definition.commands)) {
    const conflict = effectsConflict(command);
    if (conflict !== undefined)
      throw new Error(`connector '${definition.name}' command '${name}' ${conflict}`);
    // A scenario is asked for by name (Execute's metadata.mock_scenario, a connector's mock mode), and
    // names outside the request rule could never be asked for.
    for (const scenario of Object.keys(command.mock ?? {})) {
      if (!isRequestableScenario(scenario))
        throw new Error(
          `connector '${definition.name}' command '${name}' mock scenario '${scenario}' breaks the rule of metadata.mock_scenario`,
        );
    }
  }
  return definition;
}

/** Every field of a definition's connection config, as a map. */
export function connectionFields(definition: ConnectorDefinition): Readonly<Record<string, FieldDef>> {
  return definition.connectionConfig ?? {};
}
