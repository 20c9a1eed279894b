import { isUuid } from "../protocol/is-uuid.ts";
import { isScope } from "./scopes.ts";

/**
 * An invalid key definition or reference. The message names the field (`subject must be 1-256
 * characters`) and is operator-safe: the service answers it as INVALID_ARGUMENT, the CLI prints it.
 */
export class ApiKeyInputError extends Error {
  override name = "ApiKeyInputError";
}

/** The tier every key gets unless another is chosen; every PATCHBAY_RATE_LIMITS spec defines it. */
export const DEFAULT_TIER = "standard";
/** Longest subject and name, in characters. */
export const MAX_SUBJECT_LENGTH = 256;
export const MAX_NAME_LENGTH = 100;
/** A rotation's overlap window when none is asked for, and the longest one: one day and seven days. */
export const DEFAULT_OVERLAP_SECONDS = 86_400;
export const MAX_OVERLAP_SECONDS = 604_800;
/** Characters of a key shown as its prefix. */
export const VISIBLE_CHARS = 12;

const TIER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
/** An agent pool's name: what connections name to send their calls through the pool's agents. */
export const AGENT_POOL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const TENANT = /^[\w.:@-]{1,128}$/;
// A prefix is the first characters of a key, and keys are printable ASCII without spaces.
const PREFIX = new RegExp(`^[\\x21-\\x7e]{${VISIBLE_CHARS}}$`);
// Shown back in an error only when it looks like a scope name: anything else may be any text at all.
const SHOWABLE = /^[a-z][a-z0-9:_-]{0,63}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** What a new key is asked to be. */
export interface ApiKeyRequest {
  tenantId: string;
  subject: string;
  name: string;
  scopes: readonly string[];
  /** Rate-limit tier; `standard` when omitted or empty. */
  tier?: string;
  /** When the key stops working; never when omitted. */
  expiresAt?: Date;
  /** The agent pool an `agent` key serves; required with that scope and refused without it. */
  agentPool?: string;
}

/** A new key's definition after {@link checkApiKeyRequest}: trimmed, deduplicated, defaulted. */
export interface CheckedApiKey {
  tenantId: string;
  subject: string;
  name: string;
  scopes: string[];
  rateTier: string;
  expiresAt: Date | null;
  /** The one agent pool an `agent` key serves; null for every other key. */
  agentPool: string | null;
}

function text(field: string, value: string, max: number, required: boolean): string {
  const trimmed = value.trim();
  if ((required && trimmed.length === 0) || trimmed.length > max) {
    throw new ApiKeyInputError(
      required ? `${field} must be 1-${max} characters` : `${field} must be at most ${max} characters`,
    );
  }
  if (CONTROL.test(trimmed)) throw new ApiKeyInputError(`${field} must not contain control characters`);
  return trimmed;
}

/**
 * Checks a new key's definition. `knownTiers` (the names in PATCHBAY_RATE_LIMITS), when given, are the
 * tiers accepted; `now` is what an expiry must lie after.
 */
export function checkApiKeyRequest(
  input: ApiKeyRequest,
  knownTiers: readonly string[] | undefined,
  now: Date,
): CheckedApiKey {
  const tenantId = input.tenantId.trim();
  if (!TENANT.test(tenantId)) throw new ApiKeyInputError("tenant must be 1-128 of [A-Za-z0-9_.:@-]");
  const subject = text("subject", input.subject, MAX_SUBJECT_LENGTH, true);
  const name = text("name", input.name, MAX_NAME_LENGTH, false) || "unnamed";
  const unknown = input.scopes.filter((s) => !isScope(s));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map((s) => (SHOWABLE.test(s) ? s : "?"));
    throw new ApiKeyInputError(`scopes has unknown scope(s): ${shown.join(", ")}`);
  }
  if (input.scopes.length === 0) throw new ApiKeyInputError("scopes must name at least one scope");
  const rateTier = input.tier?.trim() || DEFAULT_TIER;
  if (!TIER_NAME.test(rateTier)) throw new ApiKeyInputError("tier must be 1-32 of [a-z0-9_-]");
  if (knownTiers !== undefined && !knownTiers.includes(rateTier)) {
    throw new ApiKeyInputError(`unknown tier '${rateTier}' (tiers: ${knownTiers.join(", ")})`);
  }
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt !== null && !(expiresAt.getTime() > now.getTime())) {
    throw new ApiKeyInputError("expire_time must be in the future");
  }
  const scopes = [...new Set(input.scopes)];
  return {
    tenantId,
    subject,
    name,
    scopes,
    rateTier,
    expiresAt,
    agentPool: checkAgentPool(scopes, input.agentPool),
  };
}

/**
 * An agent key serves exactly one pool and does nothing else: `agent` comes alone and with a pool, and a
 * pool only with `agent`. An agent runs inside a customer's network, so its key must not also reach the
 * catalog, connections or executions.
 */
function checkAgentPool(scopes: readonly string[], agentPool: string | undefined): string | null {
  const pool = agentPool?.trim() ?? "";
  if (!scopes.includes("agent")) {
    if (pool !== "") throw new ApiKeyInputError("agent_pool is only for keys with scope 'agent'");
    return null;
  }
  if (scopes.length > 1) throw new ApiKeyInputError("scopes: 'agent' cannot be combined with other scopes");
  if (pool === "") throw new ApiKeyInputError("agent_pool is required with scope 'agent'");
  if (!AGENT_POOL_NAME.test(pool)) {
    throw new ApiKeyInputError("agent_pool must be 1-63 of [a-z0-9-], starting with a letter or digit");
  }
  return pool;
}

/** The overlap window of a rotation, in milliseconds: the default when unset, 0 to end the old key at once. */
export function overlapMs(seconds: number | undefined): number {
  const value = seconds ?? DEFAULT_OVERLAP_SECONDS;
  if (!Number.isInteger(value) || value < 0 || value > MAX_OVERLAP_SECONDS) {
    throw new ApiKeyInputError(
      `overlap_seconds must be a whole number from 0 to ${MAX_OVERLAP_SECONDS} (7 days)`,
    );
  }
  return value * 1000;
}

/** How a key is named in a request: by its id, or by its visible prefix. */
export type ApiKeyRef = { readonly id: string } | { readonly prefix: string };

/** Reads a key reference: a UUID is an id, 12 printable characters a prefix. */
export function parseApiKeyRef(value: string): ApiKeyRef {
  const ref = value.trim();
  if (isUuid(ref)) return { id: ref.toLowerCase() };
  if (PREFIX.test(ref)) return { prefix: ref };
  throw new ApiKeyInputError(`id must be a key id (a UUID) or a key prefix (${VISIBLE_CHARS} characters)`);
}
