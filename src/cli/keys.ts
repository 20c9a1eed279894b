import { parseArgs } from "node:util";
import { type ApiKeyInfo, BOOTSTRAP_TENANT, createApiKeyStore, SCOPES } from "../auth/index.ts";
import type { Config } from "../config.ts";
import { openCliDatabase } from "./open-cli-database.ts";
import { runRotateMaster } from "./rotate-master.ts";

function describe(info: ApiKeyInfo): string {
  const state = info.revokedAt ? `revoked ${info.revokedAt.toISOString()}` : "active";
  return `${info.prefix}…  id=${info.id}  tenant=${info.tenantId}  subject=${info.subject}  scopes=${info.scopes.join(",")}  tier=${info.rateTier}  ${state}  name=${JSON.stringify(info.name)}`;
}

/** `patchbay keys create|list|revoke|rotate-master`. */
export async function runKeys(config: Config, args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === "rotate-master") return runRotateMaster(config, rest);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      subject: { type: "string" },
      scope: { type: "string", multiple: true },
      tenant: { type: "string" },
      name: { type: "string" },
      tier: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (action !== "create" && action !== "list" && action !== "revoke") {
    throw Object.assign(
      new Error("usage: patchbay keys create|list|revoke|rotate-master (see: patchbay help)"),
      {
        code: "ERR_PARSE_ARGS_USAGE",
      },
    );
  }
  if (action === "create" && (values.subject === undefined || (values.scope ?? []).length === 0)) {
    throw Object.assign(
      new Error(`keys create needs --subject and at least one --scope (scopes: ${SCOPES.join(", ")})`),
      { code: "ERR_PARSE_ARGS_USAGE" },
    );
  }
  if (action === "revoke" && positionals.length !== 1) {
    throw Object.assign(new Error("keys revoke needs exactly one key id or prefix"), {
      code: "ERR_PARSE_ARGS_USAGE",
    });
  }
  const db = await openCliDatabase(config);
  try {
    // With PATCHBAY_RATE_LIMITS=off there are no tiers to check against; the name is still checked.
    const tiers = config.rateLimits === undefined ? undefined : [...config.rateLimits.keys()];
    const store = createApiKeyStore(() => db.em(), undefined, tiers);
    if (action === "create") {
      const { key, info } = await store.create({
        tenantId: values.tenant ?? BOOTSTRAP_TENANT,
        subject: values.subject ?? "",
        name: values.name ?? "",
        scopes: values.scope ?? [],
        ...(values.tier === undefined ? {} : { tier: values.tier }),
      });
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ key, ...info })}\n`);
      } else {
        process.stdout.write(`${key}\n`);
        process.stderr.write(`created ${describe(info)}\nThe key is shown only this once.\n`);
      }
      return 0;
    }
    if (action === "list") {
      const keys = await store.list(values.tenant);
      process.stdout.write(
        values.json
          ? `${JSON.stringify(keys)}\n`
          : keys.map((k) => `${describe(k)}\n`).join("") || "no keys\n",
      );
      return 0;
    }
    const revoked = await store.revoke(positionals[0] as string);
    if (revoked === undefined) {
      process.stderr.write("patchbay: no key with that id or prefix\n");
      return 1;
    }
    process.stdout.write(`revoked ${describe(revoked)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}
