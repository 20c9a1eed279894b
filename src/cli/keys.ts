import { ConnectError } from "@connectrpc/connect";
import {
  type ApiKeyAdmin,
  type ApiKeyInfo,
  ApiKeyInputError,
  apiKeyState,
  BOOTSTRAP_TENANT,
  createApiKeyAdmin,
  createApiKeyStore,
  type KeyAdminCaller,
  type KeyCursor,
} from "../auth/index.ts";
import type { Config } from "../config.ts";
import { openCliDatabase } from "./open-cli-database.ts";

/** Options of `patchbay keys create`. */
export interface CreateKeyOptions {
  subject: string;
  scope: string[];
  tenant?: string;
  name?: string;
  tier?: string;
  /** The agent pool of an `agent` key. */
  agentPool?: string;
  expiresAt?: Date;
  json: boolean;
}

/** Options shared by `list`, `revoke` and `rotate`: `tenant` narrows them to one tenant. */
export interface KeyScopeOptions {
  tenant?: string;
  json: boolean;
}

const LIST_PAGE = 200;

function describe(info: ApiKeyInfo, now: Date): string {
  const state = apiKeyState(info, now);
  const when =
    state === "revoked"
      ? `revoked ${info.revokedAt?.toISOString()}`
      : state === "expired"
        ? `expired ${info.expiresAt?.toISOString()}`
        : info.expiresAt
          ? `active until ${info.expiresAt.toISOString()}`
          : "active";
  const replaced = `${info.replacedBy ? `  replaced-by=${info.replacedBy}` : ""}${info.agentPool ? `  agent-pool=${info.agentPool}` : ""}`;
  return `${info.prefix}…  id=${info.id}  tenant=${info.tenantId}  subject=${info.subject}  scopes=${info.scopes.join(",")}  tier=${info.rateTier}  ${when}${replaced}  name=${JSON.stringify(info.name)}`;
}

/**
 * Runs `work` with the key manager the service uses, over the configured database. The operator at the
 * console acts for any tenant (`tenant` narrows it). Refusals print one line and exit 1.
 */
async function withAdmin(
  config: Config,
  tenant: string | undefined,
  work: (admin: ApiKeyAdmin, caller: KeyAdminCaller) => Promise<number>,
): Promise<number> {
  const db = await openCliDatabase(config);
  try {
    // Revocations and rotations reach running servers through NOTIFY; this process caches nothing.
    const keys = createApiKeyStore(
      () => db.em(),
      () => new Date(),
    );
    // With PATCHBAY_RATE_LIMITS=off there are no tiers to check against; the name is still checked.
    const knownTiers = config.rateLimits === undefined ? undefined : [...config.rateLimits.keys()];
    const admin = createApiKeyAdmin({ em: () => db.em(), keys, knownTiers, now: () => new Date() });
    return await work(admin, { kind: "operator", ...(tenant === undefined ? {} : { tenantId: tenant }) });
  } catch (error) {
    if (!(error instanceof ApiKeyInputError || error instanceof ConnectError)) throw error;
    process.stderr.write(`patchbay: ${error instanceof ConnectError ? error.rawMessage : error.message}\n`);
    return 1;
  } finally {
    await db.close();
  }
}

/** `patchbay keys create`: prints the key once (standard output) and what it is (standard error). */
export function runKeysCreate(config: Config, options: CreateKeyOptions): Promise<number> {
  return withAdmin(config, options.tenant ?? BOOTSTRAP_TENANT, async (admin, caller) => {
    const { key, info } = await admin.create(caller, {
      subject: options.subject,
      name: options.name ?? "",
      scopes: options.scope,
      ...(options.tier === undefined ? {} : { tier: options.tier }),
      ...(options.agentPool === undefined ? {} : { agentPool: options.agentPool }),
      ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ key, ...info })}\n`);
    } else {
      process.stdout.write(`${key}\n`);
      process.stderr.write(`created ${describe(info, new Date())}\nThe key is shown only this once.\n`);
    }
    return 0;
  });
}

/** `patchbay keys list`: every key (of one tenant with --tenant), newest first. */
export function runKeysList(config: Config, options: KeyScopeOptions): Promise<number> {
  return withAdmin(config, options.tenant, async (admin, caller) => {
    const keys: ApiKeyInfo[] = [];
    let after: KeyCursor | undefined;
    do {
      const page = await admin.list(caller, { size: LIST_PAGE, ...(after === undefined ? {} : { after }) });
      keys.push(...page.keys);
      after = page.next;
    } while (after !== undefined);
    const now = new Date();
    process.stdout.write(
      options.json
        ? `${JSON.stringify(keys)}\n`
        : keys.map((k) => `${describe(k, now)}\n`).join("") || "no keys\n",
    );
    return 0;
  });
}

/** `patchbay keys revoke <id-or-prefix>`: running servers refuse the key from the moment this returns. */
export function runKeysRevoke(config: Config, ref: string, options: KeyScopeOptions): Promise<number> {
  return withAdmin(config, options.tenant, async (admin, caller) => {
    const revoked = await admin.revoke(caller, ref);
    process.stdout.write(
      options.json ? `${JSON.stringify(revoked)}\n` : `revoked ${describe(revoked, new Date())}\n`,
    );
    return 0;
  });
}

/** `patchbay keys rotate <id-or-prefix> [--overlap <seconds>]`: prints the new key once. */
export function runKeysRotate(
  config: Config,
  ref: string,
  options: KeyScopeOptions & { overlap?: number },
): Promise<number> {
  return withAdmin(config, options.tenant, async (admin, caller) => {
    const { key, info, previous } = await admin.rotate(caller, ref, options.overlap);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ key, ...info, previous })}\n`);
    } else {
      const now = new Date();
      process.stdout.write(`${key}\n`);
      process.stderr.write(
        `created ${describe(info, now)}\nreplaces ${describe(previous, now)}\nThe new key is shown only this once; the old key works until ${previous.expiresAt?.toISOString()}.\n`,
      );
    }
    return 0;
  });
}
