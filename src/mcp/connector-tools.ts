import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { CommandSpecJson } from "../../gen/patchbay/v1/common_pb.ts";
import type { Principal } from "../auth/index.ts";
import type { ConnectorView } from "../catalog/index.ts";
import { BUILDING_TOOLS } from "./building-tools.ts";
import { commandAnnotations } from "./command-annotations.ts";
import { inputSchemaOf, outputSchemaOf, type ToolInputSchema } from "./input-schema.ts";
import type { McpDeps } from "./mcp-deps.ts";
import { mayBeNamed, toolNames } from "./tool-name.ts";
import { EVERY_TOOL, type ToolNarrowing } from "./tool-narrowing.ts";

/** One command of one connection (or auth-less connector) offered as an MCP tool. */
export interface ConnectorTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: ToolInputSchema;
  /** From the command's declared outputs; undefined when it declares none. */
  readonly outputSchema: ToolInputSchema | undefined;
  /** Its title and what it does (read-only, destructive, idempotent) as the connector declares it. */
  readonly annotations: ToolAnnotations;
  /** The connection it runs on, or the auth-less connector it runs without one. */
  readonly target: { readonly connectionId: string } | { readonly connectorSlug: string };
  readonly command: string;
}

interface Source {
  readonly prefix: string;
  readonly key: string;
  readonly connector: ConnectorView;
  readonly target: ConnectorTool["target"];
  readonly title: string;
}

/** A connector tool by name, before its schemas are made (only the tools answered need them). */
export interface ConnectorToolEntry {
  readonly name: string;
  readonly source: Source;
  readonly command: string;
  readonly spec: CommandSpecJson;
}

/** Every connector tool of a caller, named, and the ids of its active connections. */
export interface ConnectorToolIndex {
  readonly entries: readonly ConnectorToolEntry[];
  /** The caller's active connections, also those whose connector offers no tools now. */
  readonly connectionIds: ReadonlySet<string>;
}

/**
 * The caller's connector tools: one per command of each of its subject's active connections, then of each
 * auth-less connector its tenant sees, in a stable order (connections by creation, connectors by slug).
 * A connector that is gone or not available offers no tools, as Execute would refuse them. Names are
 * made over the whole set, so a narrowed list names each tool as the whole list does.
 */
export async function indexConnectorTools(
  deps: McpDeps,
  principal: Principal,
  /** Keeps only the connections and connectors whose tools' names start with this prefix's (see `mayBeNamed`). */
  keep: (prefix: string) => boolean = () => true,
  /** Reads the connections and auth-less connectors as kept a moment ago instead of afresh. */
  kept = false,
): Promise<ConnectorToolIndex> {
  const [connections, authless] = await Promise.all([
    kept ? deps.keptActiveConnections(principal) : deps.activeConnections(principal),
    kept ? deps.keptAuthlessConnectors(principal.tenantId) : deps.authlessConnectors(principal.tenantId),
  ]);
  const sources: Source[] = [];
  const usable = async (slug: string) => {
    const connector = await deps.lookup(principal.tenantId, slug);
    return connector !== undefined && connector.availability === "available" ? connector : undefined;
  };
  for (const connection of connections) {
    const label = connection.label.trim();
    const prefix = label || connection.connectorSlug;
    if (!keep(prefix)) continue;
    const connector = await usable(connection.connectorSlug);
    if (connector === undefined) continue;
    sources.push({
      prefix,
      key: connection.id,
      connector,
      target: { connectionId: connection.id },
      title: label ? `${label} (${connector.slug})` : connector.slug,
    });
  }
  for (const slug of authless) {
    if (!keep(slug)) continue;
    const connector = await usable(slug);
    if (connector === undefined || connector.authType !== "none") continue;
    sources.push({
      prefix: slug,
      key: `connector:${slug}`,
      connector,
      target: { connectorSlug: slug },
      title: slug,
    });
  }
  const commands = sources.flatMap((source) =>
    Object.entries(source.connector.configSchema.commands ?? {}).map(([command, spec]) => ({
      source,
      command,
      spec,
    })),
  );
  const names = toolNames(
    commands.map((e) => ({
      prefix: e.source.prefix,
      command: e.command,
      key: `${e.source.key}/${e.command}`,
    })),
    // A connection labelled "list" with a command "connectors" must not shadow the building tool.
    BUILDING_TOOLS.map((tool) => tool.name),
  );
  return {
    entries: commands.map((entry, i) => ({ ...entry, name: names[i] ?? entry.command })),
    connectionIds: new Set(connections.map((connection) => connection.id)),
  };
}

/** Whether a tool is in the narrowed set: it matches each list the narrowing gives. */
export function inNarrowing(entry: ConnectorToolEntry, narrowing: ToolNarrowing): boolean {
  const { target, connector } = entry.source;
  if (narrowing.tools === "building") return false;
  if (narrowing.connections.length > 0) {
    if (!("connectionId" in target) || !narrowing.connections.includes(target.connectionId)) return false;
  }
  if (narrowing.connectors.length > 0 && !narrowing.connectors.includes(connector.slug)) return false;
  return narrowing.commands.length === 0 || narrowing.commands.includes(entry.command);
}

/** The tool of one entry, with its description and schemas. */
export function connectorToolOf(entry: ConnectorToolEntry): ConnectorTool {
  return {
    name: entry.name,
    description: describe(
      entry.source.title,
      entry.command,
      entry.spec.description ?? "",
      entry.spec.deprecated === true ? entry.spec.deprecatedMessage || "deprecated" : undefined,
    ),
    inputSchema: inputSchemaOf(entry.spec),
    outputSchema: outputSchemaOf(entry.spec),
    annotations: commandAnnotations(entry.spec, `${entry.source.title}: ${entry.command}`),
    target: entry.source.target,
    command: entry.command,
  };
}

/** The caller's connector tools in the narrowed set (every one by default), in the index's order. */
export async function listConnectorTools(
  deps: McpDeps,
  principal: Principal,
  narrowing: ToolNarrowing = EVERY_TOOL,
): Promise<ConnectorTool[]> {
  const { entries } = await indexConnectorTools(deps, principal);
  return entries.filter((entry) => inNarrowing(entry, narrowing)).map(connectorToolOf);
}

/**
 * The connector tool a `tools/call` names, or undefined when the caller has none by that name in the
 * narrowed set. Only the connections and connectors whose tools could bear the name are looked up (the
 * names a suffix tells apart are all among them: see `mayBeNamed`), and only the tool found gets its
 * schemas made. The caller's connections and the auth-less connectors are read as kept a moment ago,
 * and afresh when the name is not found among them: a connection or connector created an instant ago is
 * found. A name that resolved a moment ago still resolves for that moment, to the caller's own tool:
 * the call reads its connection again (a revoked one is refused, as by Execute), and the lookup, which
 * the catalog's writes keep current, refuses a connector deleted or made unavailable.
 */
export async function findConnectorTool(
  deps: McpDeps,
  principal: Principal,
  name: string,
  narrowing: ToolNarrowing,
): Promise<ConnectorTool | undefined> {
  // Only the tools that could bear the name: their connectors alone are looked up.
  const keep = (prefix: string) => mayBeNamed(prefix, name);
  let entry = (await indexConnectorTools(deps, principal, keep, true)).entries.find((e) => e.name === name);
  entry ??= (await indexConnectorTools(deps, principal, keep)).entries.find((e) => e.name === name);
  return entry !== undefined && inNarrowing(entry, narrowing) ? connectorToolOf(entry) : undefined;
}

/** The tool's description: the command's own, and where it runs, so an agent can tell connections apart. */
function describe(title: string, command: string, text: string, deprecation: string | undefined): string {
  const base = `${text || `Run ${command}.`} (on ${title})`;
  return deprecation === undefined ? base : `${base} Deprecated: ${deprecation}`;
}
