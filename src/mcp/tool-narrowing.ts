import { Code, ConnectError } from "@connectrpc/connect";
import { isUuid } from "../protocol/is-uuid.ts";

/** Which groups of tools a request is offered. */
export const TOOL_GROUPS = ["all", "connectors", "building"] as const;
export type ToolGroup = (typeof TOOL_GROUPS)[number];

/**
 * What an agent asked to see of its tools: connector tools of these connections, connectors and
 * commands (each list empty when not given: no narrowing by it), and which groups. Values within one
 * list are alternatives; the lists narrow together (a tool must match each list that is given).
 */
export interface ToolNarrowing {
  /** Connection ids (lowercase UUIDs). */
  readonly connections: readonly string[];
  /** Connector slugs. */
  readonly connectors: readonly string[];
  /** Command names, as the connector declares them (`listPosts`, not the tool's name). */
  readonly commands: readonly string[];
  readonly tools: ToolGroup;
}

/** No narrowing: every tool the key may use. */
export const EVERY_TOOL: ToolNarrowing = { connections: [], connectors: [], commands: [], tools: "all" };

/** The query parameters of `/mcp` that narrow its tools, each with the header that may carry it instead. */
export const NARROWING_PARAMETERS = {
  connection: "x-patchbay-mcp-connection",
  connector: "x-patchbay-mcp-connector",
  command: "x-patchbay-mcp-command",
  tools: "x-patchbay-mcp-tools",
} as const;
type Parameter = keyof typeof NARROWING_PARAMETERS;

/** At most this many values per parameter: a narrowed list is short by intent. */
export const MAX_NARROWING_VALUES = 50;

// A connector slug or command name as a caller may type it: printable ASCII without the comma that
// separates values. Whether it names something is checked against the catalog (checkNarrowing).
const NAME = /^[\x21-\x2b\x2d-\x7e]+$/;

const CHECKS: Record<Exclude<Parameter, "tools">, { valid: (value: string) => boolean; what: string }> = {
  connection: { valid: isUuid, what: "a connection id (UUID)" },
  connector: {
    valid: (v) => v.length <= 64 && NAME.test(v),
    what: "a connector slug (printable ASCII, at most 64 characters)",
  },
  command: {
    valid: (v) => v.length <= 128 && NAME.test(v),
    what: "a command name (printable ASCII, at most 128 characters)",
  },
};

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

/**
 * Reads the narrowing of one `/mcp` request from its URL's query (`connection`, `connector`, `command`:
 * comma-separated values; `tools`: all, connectors or building) or the same as `x-patchbay-mcp-*`
 * headers. A malformed, repeated, empty or unknown parameter is INVALID_ARGUMENT naming it; the values
 * themselves are never echoed (they may be anything a caller typed).
 */
export function parseToolNarrowing(
  query: URLSearchParams,
  header: (name: string) => string | undefined,
): ToolNarrowing {
  for (const name of new Set(query.keys())) {
    if (!Object.hasOwn(NARROWING_PARAMETERS, name)) {
      throw invalid(
        `unknown query parameter '${safeName(name)}': /mcp takes ${Object.keys(NARROWING_PARAMETERS).join(", ")}`,
      );
    }
  }
  const raw = (name: Parameter): string | undefined => {
    const inQuery = query.getAll(name);
    const headerName = NARROWING_PARAMETERS[name];
    const inHeader = header(headerName);
    if (inQuery.length > 1) throw invalid(`${name} is given more than once: list its values comma-separated`);
    if (inQuery.length === 1 && inHeader !== undefined) {
      throw invalid(`${name} is given both as a query parameter and as the ${headerName} header`);
    }
    return inQuery[0] ?? inHeader;
  };
  const list = (name: Exclude<Parameter, "tools">): string[] => {
    const value = raw(name);
    if (value === undefined) return [];
    const values = value.split(",").map((v) => v.trim());
    if (values.length > MAX_NARROWING_VALUES) {
      throw invalid(`${name} takes at most ${MAX_NARROWING_VALUES} values`);
    }
    const { valid, what } = CHECKS[name];
    values.forEach((v, i) => {
      if (v === "") throw invalid(`${name} value ${i + 1} is empty`);
      if (!valid(v)) throw invalid(`${name} value ${i + 1} is not ${what}`);
    });
    return [...new Set(name === "connection" ? values.map((v) => v.toLowerCase()) : values)];
  };
  const tools = raw("tools") ?? "all";
  if (!(TOOL_GROUPS as readonly string[]).includes(tools)) {
    throw invalid(`tools must be one of ${TOOL_GROUPS.join(", ")}`);
  }
  const narrowing: ToolNarrowing = {
    connections: list("connection"),
    connectors: list("connector"),
    commands: list("command"),
    tools: tools as ToolGroup,
  };
  if (tools === "building" && namesTargets(narrowing)) {
    throw invalid(
      "connection, connector and command narrow connector tools, which tools=building leaves out",
    );
  }
  return narrowing;
}

/** Whether the narrowing names any connection, connector or command (so there is something to check). */
export function namesTargets(narrowing: ToolNarrowing): boolean {
  return narrowing.connections.length + narrowing.connectors.length + narrowing.commands.length > 0;
}

/** A parameter name a caller typed, fit for an error message: short, and only harmless characters. */
function safeName(name: string): string {
  const kept = name.replace(/[^\w.-]/g, "?");
  return kept.length > 32 ? `${kept.slice(0, 31)}…` : kept;
}
