import type { JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  CreateMessageResultSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import type { JsonSchemaType, jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { AbortFanOut } from "../protocol/abort-fan-out.ts";
import { BUILDING_TOOLS } from "./building-tools.ts";
import { callBuildingTool, type McpCaller } from "./call-building-tool.ts";
import { callConnectorTool, toJsonObject } from "./call-connector-tool.ts";
import { findConnectorTool } from "./connector-tools.ts";
import { handlerFailure } from "./handler-failure.ts";
import { listTools } from "./list-tools.ts";
import type { McpDeps } from "./mcp-deps.ts";
import { nestsDeeperThan } from "./nests-deeper-than.ts";
import { registerResources } from "./register-resources.ts";
import type { AskModel } from "./sample-script.ts";
import { toolFailure } from "./tool-failure.ts";
import { EVERY_TOOL } from "./tool-narrowing.ts";

/** What one request's MCP server knows of its request, and reports back for the request's log line. */
export interface McpCallState {
  /**
   * How the request failed, when it did: a tool call's failure, or a handler's throw (the HTTP answer is
   * still 200).
   */
  failed: ConnectError | undefined;
  /**
   * Whether the answer is an SSE stream that can carry the server's own requests to the client
   * (sampling); a plain JSON answer cannot.
   */
  readonly streaming: boolean;
  /**
   * Aborts when the client goes away before the request's answer is complete (its connection closed, its
   * HTTP/2 stream reset): the request's tool calls and resource reads end then. Absent for a stream
   * that carries no calls.
   */
  readonly gone?: AbortSignal;
}

/** How long the client's model may take to answer one sampling request. */
export const SAMPLING_TIMEOUT_MS = 120_000;

/** The server's name and version in MCP's `initialize` answer. */
export const SERVER_INFO = { name: "patchbay", version: "1.0.0" } as const;

/**
 * The MCP server of one request, for one caller (its principal, and the key its building tools' RPCs
 * are made with). Tools are the building tools the key's scopes allow, then the connector tools. It is
 * the SDK's low-level `Server`, not `McpServer`: connector tools are known only at request time and their input schemas are JSON Schema from the
 * connector's stored schema, while `McpServer.registerTool` takes Zod shapes fixed at registration.
 * It is made per request (stateless), so nothing of a caller outlives the request. `stopping` is the
 * endpoint's one watch on the server's shutdown (`deps.shutdown`), made once for every request.
 */
export function createMcpServer(
  deps: McpDeps,
  caller: McpCaller,
  state: McpCallState,
  stopping: AbortFanOut,
): Server {
  const { principal } = caller;
  // The SDK's server builds an Ajv instance (its vocabularies and formats) at construction when given no
  // validator, a tenth of a tool call's CPU; only elicitation answers use it, which these servers never
  // ask for. Made on first use instead.
  let ajv: AjvJsonSchemaValidator | undefined;
  const jsonSchemaValidator: jsonSchemaValidator = {
    getValidator: <T>(schema: JsonSchemaType) => {
      ajv ??= new AjvJsonSchemaValidator();
      return ajv.getValidator<T>(schema);
    },
  };
  const server = new Server(SERVER_INFO, {
    jsonSchemaValidator,
    capabilities: { tools: { listChanged: true }, resources: {} },
    instructions:
      "Connector tools run one command of one of your Patchbay connections (or of a connector without auth). " +
      "Building tools (list_connectors, get_capabilities, parse_openapi_spec, generate_connector_script, " +
      "create_connector, update_connector_script, test_connector, execute_connector_command) write and try connectors.",
  });
  const narrowing = caller.narrowing ?? EVERY_TOOL;
  // One page of the tools the key may use, narrowed as the request asked.
  server.setRequestHandler(ListToolsRequestSchema, async (request) => {
    try {
      return await listTools(deps, principal, narrowing, request.params?.cursor);
    } catch (error) {
      throw handlerFailure(state, error);
    }
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    // What ends a tool call: the client's own cancellation (the SDK aborts `extra.signal` then, or when
    // the server closes), the client going away, a stop of the server. One controller per call, the
    // signal the call passes on (to its command, the RPC it makes, the model it asks), unlinked when the
    // call ends: not AbortSignal.any, whose signals Node keeps on the process-long shutdown signal
    // (src/protocol/abort-fan-out.ts says how).
    const controller = new AbortController();
    const unlink = stopping.link(controller, extra.signal, state.gone);
    const { signal } = controller;
    try {
      // Arguments sit where Execute's params sit, one level below the request: they may nest as deep as
      // params may (one level less than the limit), and are measured before anything walks them whole.
      if (nestsDeeperThan(request.params.arguments, deps.input.maxDepth - 1)) {
        const error = new ConnectError(
          `arguments nests deeper than ${deps.input.maxDepth} levels`,
          Code.InvalidArgument,
        );
        state.failed = error;
        return toolFailure(error);
      }
      const args: JsonObject = toJsonObject(request.params.arguments);
      const { name } = request.params;
      const building =
        narrowing.tools === "connectors" ? undefined : BUILDING_TOOLS.find((t) => t.name === name);
      if (building !== undefined) {
        // Connector tools never take a building tool's name (indexConnectorTools reserves them).
        const ask: AskModel | undefined = state.streaming
          ? (params) =>
              extra.sendRequest({ method: "sampling/createMessage", params }, CreateMessageResultSchema, {
                timeout: SAMPLING_TIMEOUT_MS,
                signal,
              })
          : undefined;
        const { result, failed } = await callBuildingTool(deps, caller, building, args, signal, ask);
        state.failed = failed;
        return result;
      }
      // A tool outside the narrowed set is unknown, as it is absent from tools/list.
      const tool =
        narrowing.tools === "building"
          ? undefined
          : await findConnectorTool(deps, principal, name, narrowing);
      if (tool === undefined) {
        state.failed = new ConnectError("unknown tool", Code.NotFound);
        throw new McpError(ErrorCode.InvalidParams, `unknown tool: ${name}`);
      }
      const { _meta: meta } = request.params;
      const { result, failed } = await callConnectorTool(deps, caller, tool, args, meta, signal);
      state.failed = failed;
      return result;
    } catch (error) {
      throw handlerFailure(state, error);
    } finally {
      unlink();
    }
  });
  registerResources(server, deps, caller, state, stopping);
  return server;
}
