import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { Principal } from "../auth/index.ts";
import type { ConnectorView } from "../catalog/index.ts";
import { BUILDING_TOOLS } from "./building-tools.ts";
import { commandAnnotations } from "./command-annotations.ts";
import { inputSchemaOf, outputSchemaOf, type ToolInputSchema } from "./input-schema.ts";
import type { McpDeps } from "./mcp-deps.ts";
import { toolNames } from "./tool-name.ts";

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

/**
 * The caller's connector tools: one per command of each of its subject's active connections, then of each
 * auth-less connector its tenant sees, in a stable order (connections by creation, connectors by slug).
 * A connector that is gone or not available offers no tools, as Execute would refuse them.
 */
export async function listConnectorTools(deps: McpDeps, principal: Principal): Promise<ConnectorTool[]> {
  const [connections, authless] = await Promise.all([
    deps.activeConnections(principal),
    deps.authlessConnectors(principal.tenantId),
  ]);
  const sources: Source[] = [];
  const usable = async (slug: string) => {
    const connector = await deps.lookup(principal.tenantId, slug);
    return connector !== undefined && connector.availability === "available" ? connector : undefined;
  };
  for (const connection of connections) {
    const connector = await usable(connection.connectorSlug);
    if (connector === undefined) continue;
    const label = connection.label.trim();
    sources.push({
      prefix: label || connector.slug,
      key: connection.id,
      connector,
      target: { connectionId: connection.id },
      title: label ? `${label} (${connector.slug})` : connector.slug,
    });
  }
  for (const slug of authless) {
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
  const entries = sources.flatMap((source) =>
    Object.entries(source.connector.configSchema.commands ?? {}).map(([command, spec]) => ({
      source,
      command,
      spec,
    })),
  );
  const names = toolNames(
    entries.map((e) => ({
      prefix: e.source.prefix,
      command: e.command,
      key: `${e.source.key}/${e.command}`,
    })),
    // A connection labelled "list" with a command "connectors" must not shadow the building tool.
    BUILDING_TOOLS.map((tool) => tool.name),
  );
  return entries.map((entry, i) => ({
    name: names[i] ?? entry.command,
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
  }));
}

/** The tool's description: the command's own, and where it runs, so an agent can tell connections apart. */
function describe(title: string, command: string, text: string, deprecation: string | undefined): string {
  const base = `${text || `Run ${command}.`} (on ${title})`;
  return deprecation === undefined ? base : `${base} Deprecated: ${deprecation}`;
}
