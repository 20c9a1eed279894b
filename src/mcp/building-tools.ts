import type { DescMethod, DescMethodUnary, JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import type { ToolInputSchema } from "./input-schema.ts";

/** How a building tool runs: one of the server's own procedures, or the local script generator. */
export type BuildingRun =
  | {
      readonly kind: "rpc";
      readonly method: DescMethodUnary;
      /** The procedure's request (proto JSON) from the tool's arguments. */
      readonly request: (args: JsonObject) => JsonValue;
      /** Whether the answer is an Execute outcome that `test_connector` reports instead of failing. */
      readonly reportsTest?: true;
    }
  | { readonly kind: "generate" };

/** A building tool: a fixed MCP tool for writing, testing and running connectors. */
export interface BuildingTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: ToolInputSchema;
  /**
   * Its title and effects for the client's approval prompts. openWorldHint is false for tools that stay
   * within Patchbay's own catalog, true for those that reach outside (a fetched URL, a connector's API).
   */
  readonly annotations: ToolAnnotations;
  /**
   * The procedure whose access rule (`(patchbay.v1.access)`) the tool needs: a key without its scope is
   * not offered the tool, and the procedure's own interceptor refuses the call.
   */
  readonly access: DescMethod;
  readonly run: BuildingRun;
}

const str = (description: string): JsonObject => ({ type: "string", description });
const target = {
  connectionId: str("UUID of one of your active connections (or give connectorSlug)."),
  connectorSlug: str("Slug of a connector without auth, which runs without a connection."),
};
const execTarget = (args: JsonObject): JsonObject => {
  const out: JsonObject = {};
  if (typeof args.connectionId === "string") out.connectionId = args.connectionId;
  if (typeof args.connectorSlug === "string") out.connectorSlug = args.connectorSlug;
  return out;
};
const asIs = (args: JsonObject): JsonValue => args;
const pick = (args: JsonObject, keys: readonly string[]): JsonObject =>
  Object.fromEntries(Object.entries(args).filter(([key]) => keys.includes(key)));

/**
 * The building tools, in the order `tools/list` shows them. Each runs one Patchbay procedure in process
 * with the caller's key (see `callRpc`), so its checks are the RPC's own; input properties are the
 * request's proto JSON names, as REST bodies spell them.
 */
export const BUILDING_TOOLS: readonly BuildingTool[] = [
  {
    name: "list_connectors",
    description:
      "List the connectors of the catalog you can see (slug, auth type, availability, commands), one page at a time.",
    inputSchema: {
      type: "object",
      properties: {
        q: str("Case-insensitive match on slug, name, description and tags."),
        category: str("Only this category."),
        authType: { type: "string", enum: ["oauth", "api_key", "none"], description: "Only this auth type." },
        availability: {
          type: "string",
          enum: ["available", "coming_soon", "not_configured", "disabled"],
          description: "Only this availability.",
        },
        pageSize: { type: "number", description: "Connectors per page (default 50, at most 200)." },
        pageToken: str("nextPageToken of the previous page."),
      },
    },
    annotations: { title: "List connectors", readOnlyHint: true, openWorldHint: false },
    access: CatalogService.method.listConnectors,
    run: { kind: "rpc", method: CatalogService.method.listConnectors, request: asIs },
  },
  {
    name: "get_capabilities",
    description:
      "A connector's commands with their typed params, outputs and deprecations, and its connection-config fields.",
    inputSchema: {
      type: "object",
      properties: { slug: str("The connector's slug.") },
      required: ["slug"],
    },
    annotations: { title: "Get a connector's capabilities", readOnlyHint: true, openWorldHint: false },
    access: CatalogService.method.getCapabilities,
    run: { kind: "rpc", method: CatalogService.method.getCapabilities, request: asIs },
  },
  {
    name: "parse_openapi_spec",
    description:
      "Turn an OpenAPI 3.x document into a draft connector without storing it. Give exactly one of document, spec or url. The answer's createRequest is what create_connector takes.",
    inputSchema: {
      type: "object",
      properties: {
        document: str("The OpenAPI document as JSON or YAML text."),
        spec: { type: "object", description: "The OpenAPI document as a JSON object." },
        url: str("An http(s) URL the server fetches the document from (its egress policy applies)."),
        operations: { type: "array", items: { type: "string" }, description: "operationIds to keep." },
        name: str("Slug for the draft; defaults to a kebab-case form of info.title."),
      },
    },
    // Stores nothing; with `url` it fetches the document from wherever the URL points.
    annotations: { title: "Parse an OpenAPI document", readOnlyHint: true, openWorldHint: true },
    access: CatalogService.method.parseOpenApi,
    run: { kind: "rpc", method: CatalogService.method.parseOpenApi, request: asIs },
  },
  {
    name: "create_connector",
    description:
      "Create a connector in your tenant: a CreateConnector request, e.g. parse_openapi_spec's createRequest or generate_connector_script's.",
    inputSchema: {
      type: "object",
      properties: {
        name: str("The slug: kebab-case, 2-63 characters."),
        executionModel: {
          type: "string",
          enum: ["built_in", "script", "openapi", "external"],
          description: "How its commands run.",
        },
        displayName: str("Display name; defaults to name."),
        description: str("One-line summary."),
        version: str("Initial semver version; defaults to 1.0.0."),
        category: str("Catalog grouping."),
        tags: { type: "array", items: { type: "string" } },
        type: str("For built_in: the handler type."),
        configSchema: {
          type: "object",
          description: "connectionConfig fields and commands (docs: script connectors).",
        },
        scriptSource: str("For script: one top-level function per command."),
        openapiDocument: str("For openapi: the document as JSON or YAML text."),
        operations: { type: "array", items: { type: "string" } },
        endpointUrl: str("For external: the service's base URL."),
        protocol: { type: "string", enum: ["grpc", "connect", "http"] },
        config: { type: "object", description: "Instance secrets (write-only)." },
      },
      required: ["name", "executionModel"],
    },
    // Adds a connector and replaces nothing: a second call with the same name is refused (the slug exists).
    annotations: {
      title: "Create a connector",
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    },
    access: CatalogService.method.createConnector,
    run: { kind: "rpc", method: CatalogService.method.createConnector, request: asIs },
  },
  {
    name: "update_connector_script",
    description:
      "Replace a script connector's script (and optionally its schema). The version is bumped as the versioning rules require.",
    inputSchema: {
      type: "object",
      properties: {
        slug: str("The script connector's slug."),
        scriptSource: str("The new script."),
        configSchema: { type: "object", description: "A new schema, when the commands change." },
        version: str("A version to set; kept when it clears the required bump."),
      },
      required: ["slug", "scriptSource"],
    },
    // The script it replaces is gone when the version stays the same (a script-only change needs no
    // bump); sending the same script again changes nothing further.
    annotations: {
      title: "Replace a script connector's script",
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    access: CatalogService.method.updateConnector,
    run: {
      kind: "rpc",
      method: CatalogService.method.updateConnector,
      // The script, and the schema and version that go with it; nothing else of the connector changes.
      request: (args) => ({
        ...pick(args, ["slug", "scriptSource", "configSchema", "version"]),
        autoBump: true,
      }),
    },
  },
  {
    name: "test_connector",
    description:
      "Run a connector's `test` command on a connection (or a connector without auth) and report whether it passed.",
    inputSchema: {
      type: "object",
      properties: { ...target, params: { type: "object", description: "Params of the test command." } },
    },
    // What a connector's test command does is the connector's own: only that it reaches outside is known.
    annotations: { title: "Test a connector", openWorldHint: true },
    access: ExecuteService.method.execute,
    run: {
      kind: "rpc",
      method: ExecuteService.method.execute,
      request: (args) => ({
        ...execTarget(args),
        command: "test",
        ...(typeof args.params === "object" && args.params !== null ? { params: args.params } : {}),
      }),
      reportsTest: true,
    },
  },
  {
    name: "execute_connector_command",
    description:
      "Run any command of a connector on a connection (or a connector without auth), as Execute does.",
    inputSchema: {
      type: "object",
      properties: {
        ...target,
        command: str("The command's name (see get_capabilities)."),
        params: { type: "object", description: "The command's params." },
        timeoutMs: { type: "number", description: "Time budget in ms; 0 is the server default." },
        idempotencyKey: str(
          "A repeat with the same key returns the first execution's outcome (one a server stop cut off runs again).",
        ),
      },
      required: ["command"],
    },
    // Any command: its effects are the command's own (its connector tool carries them).
    annotations: { title: "Execute a connector command", openWorldHint: true },
    access: ExecuteService.method.execute,
    run: {
      kind: "rpc",
      method: ExecuteService.method.execute,
      request: (args) => {
        const metadata: JsonObject = {};
        if (args.timeoutMs !== undefined) metadata.timeoutMs = args.timeoutMs;
        if (args.idempotencyKey !== undefined) metadata.idempotencyKey = args.idempotencyKey;
        return {
          ...execTarget(args),
          command: args.command ?? "",
          ...(args.params !== undefined ? { params: args.params } : {}),
          ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
        };
      },
    },
  },
  {
    name: "generate_connector_script",
    description:
      "Write a script connector that follows the script API: a `test` command and one function per named command, its schema, a create_connector request, and the script API reference. Where the client supports sampling, its model writes the script and Patchbay checks it compiles in the sandbox; otherwise the answer is a skeleton to fill in.",
    inputSchema: {
      type: "object",
      properties: {
        description: str("What the connector talks to and does."),
        commands: {
          type: "array",
          items: { type: "string" },
          description: "The commands to write, by name (e.g. listContacts).",
        },
        name: str("The connector's slug; derived from the description when left out."),
        endpoints: {
          type: "array",
          items: { type: "string" },
          description: "The API's endpoints to use, one per item (e.g. `GET /contacts: list contacts`).",
        },
        openapiExcerpt: str("An excerpt of the API's OpenAPI description, for the model to write from."),
        useSampling: {
          type: "boolean",
          default: true,
          description:
            "Ask the client's model to write the script (sampling); false answers the skeleton at once.",
        },
      },
      required: ["description"],
    },
    // Returns a script and stores nothing; asking the client's model (sampling) stays with the client.
    annotations: { title: "Generate a connector script", readOnlyHint: true, openWorldHint: false },
    // Writing a script is for storing it: the tool is offered to keys that may create one.
    access: CatalogService.method.createConnector,
    run: { kind: "generate" },
  },
];
