import { hostname } from "node:os";
import { LOG_LEVELS } from "../config.ts";
import { AGENT_CONNECTOR_SLUG } from "../protocol/agent-connector-slug.ts";
import { createAgentEgress } from "./agent-egress.ts";
import type { BackoffBounds } from "./backoff-delay.ts";
import type { ProxySettings } from "./proxy-settings.ts";
import type { AgentIdentity } from "./run-agent-session.ts";

/** A configuration the agent cannot start with; the message is one operator-safe line (never the key). */
export class AgentConfigError extends Error {
  override name = "AgentConfigError";
}

/** The agent's validated configuration. */
export interface AgentConfig {
  /** Patchbay's base URL (http:// is h2c, https:// is TLS). */
  readonly url: string;
  readonly key: string;
  readonly identity: AgentIdentity;
  /** `--allow` entries; nothing else is reachable. */
  readonly allow: readonly string[];
  readonly proxy: ProxySettings;
  readonly healthPort: number | undefined;
  readonly backoff: BackoffBounds;
  /** How long requests in flight may take to finish once the stream drains (a stop, or Patchbay). */
  readonly drainMs: number;
  /** Body bytes per message. */
  readonly chunkBytes: number;
  /** LOG_LEVEL and LOG_FORMAT, as the server reads them. */
  readonly log: { readonly level: (typeof LOG_LEVELS)[number]; readonly format: "json" | "pretty" };
}

/** The command line of `patchbay agent`, as commander parsed it. */
export interface AgentFlags {
  url?: string;
  keyEnv: string;
  pool?: string;
  allow: readonly string[];
  connector: readonly string[];
  capacity: string;
  name?: string;
  id?: string;
  healthPort?: string;
  /** `--drain-timeout`, in seconds (default 30). */
  drainTimeout?: string;
  /** `--backoff-initial`, in seconds (default 0.5). */
  backoffInitial?: string;
  /** `--backoff-max`, in seconds (default 30). */
  backoffMax?: string;
}

/** What `--pool` and `--connector` take (the server checks Hello.connectors the same way). */
const SLUG = AGENT_CONNECTOR_SLUG;

function whole(text: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new AgentConfigError(`${flag} must be a whole number from ${min} to ${max}`);
  }
  return Number(text);
}

/** A number of seconds with at most three decimals, from `min` to `max`; answers milliseconds. */
function seconds(text: string, flag: string, min: number, max: number): number {
  if (!/^\d{1,9}(\.\d{1,3})?$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new AgentConfigError(`${flag} must be a number of seconds from ${min} to ${max}`);
  }
  return Math.round(Number(text) * 1000);
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === "" ? undefined : value);

/** Validates the flags and the environment (key variable, PATCHBAY_AGENT_ALLOW, proxies). */
export function parseAgentConfig(
  flags: AgentFlags,
  env: Readonly<Record<string, string | undefined>>,
  /** The agent's version (Patchbay's package version). */
  version: string,
): AgentConfig {
  if (flags.url === undefined) throw new AgentConfigError("--url is required (the Patchbay base URL)");
  let url: URL;
  try {
    url = new URL(flags.url);
  } catch {
    throw new AgentConfigError("--url must be an absolute http:// or https:// URL");
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.username !== "") {
    throw new AgentConfigError("--url must be an http:// or https:// URL without credentials or query");
  }
  const key = env[flags.keyEnv];
  if (key === undefined || key === "")
    throw new AgentConfigError(`${flags.keyEnv} is not set (the agent's API key)`);
  if (!/^[\x21-\x7e]+$/.test(key))
    throw new AgentConfigError(`${flags.keyEnv} must hold an API key (printable ASCII without spaces)`);
  if (flags.pool === undefined || !SLUG.test(flags.pool))
    throw new AgentConfigError("--pool is required: the pool the key is bound to");
  const allow = [
    ...flags.allow,
    ...(env.PATCHBAY_AGENT_ALLOW ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
  ];
  if (allow.length === 0)
    throw new AgentConfigError(
      "--allow (or PATCHBAY_AGENT_ALLOW) is required: the agent reaches nothing else",
    );
  try {
    createAgentEgress(allow);
  } catch (error) {
    throw new AgentConfigError((error as Error).message);
  }
  for (const slug of flags.connector) {
    if (!SLUG.test(slug))
      throw new AgentConfigError(`--connector ${JSON.stringify(slug)} is not a connector slug`);
  }
  const agentId = flags.id ?? hostname();
  if (agentId.length < 1 || agentId.length > 128) throw new AgentConfigError("--id must be 1-128 characters");
  const name = flags.name ?? agentId;
  if (name.length > 100) throw new AgentConfigError("--name must be at most 100 characters");
  const proxy: ProxySettings = {
    ...optional("httpProxy", nonEmpty(env.HTTP_PROXY) ?? nonEmpty(env.http_proxy)),
    ...optional("httpsProxy", nonEmpty(env.HTTPS_PROXY) ?? nonEmpty(env.https_proxy)),
    ...optional("noProxy", nonEmpty(env.NO_PROXY) ?? nonEmpty(env.no_proxy)),
  };
  const drainMs = seconds(flags.drainTimeout ?? "30", "--drain-timeout", 0, 3600);
  const baseMs = seconds(flags.backoffInitial ?? "0.5", "--backoff-initial", 0.01, 3600);
  const capMs = seconds(flags.backoffMax ?? "30", "--backoff-max", 0.01, 3600);
  if (capMs < baseMs) throw new AgentConfigError("--backoff-max must not be less than --backoff-initial");
  const level = env.LOG_LEVEL ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new AgentConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const format = env.LOG_FORMAT ?? "json";
  if (format !== "json" && format !== "pretty")
    throw new AgentConfigError("LOG_FORMAT must be json or pretty");
  return {
    log: { level: level as (typeof LOG_LEVELS)[number], format },
    url: url.href.replace(/\/$/, ""),
    key,
    identity: {
      agentId,
      name,
      version,
      pool: flags.pool,
      connectors: [...flags.connector],
      capacity: whole(flags.capacity, "--capacity", 1, 10_000),
    },
    allow,
    proxy,
    healthPort:
      flags.healthPort === undefined ? undefined : whole(flags.healthPort, "--health-port", 0, 65_535),
    backoff: { baseMs, capMs },
    drainMs,
    chunkBytes: 64 * 1024,
  };
}

function optional<K extends string>(name: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: string };
}
