import type { DescMethodUnary, JsonObject, JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type Resource,
} from "@modelcontextprotocol/sdk/types.js";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { accessRuleFor, hasScope } from "../auth/index.ts";
import type { AbortFanOut } from "../protocol/abort-fan-out.ts";
import type { McpCaller } from "./call-building-tool.ts";
import { callRpc } from "./call-rpc.ts";
import { SCRIPT_API_REFERENCE } from "./generate-connector-script.ts";
import { INVALID_CURSOR, MCP_PAGE_SIZE } from "./list-page.ts";
import type { McpDeps } from "./mcp-deps.ts";

/** The script API reference: the text `generate_connector_script` answers with its skeletons. */
export const SCRIPT_API_URI = "patchbay://docs/script-api";
/** A connector's capabilities, as `GetCapabilities` answers them. */
export const CAPABILITIES_TEMPLATE = "patchbay://connectors/{slug}/capabilities";
const CAPABILITIES_URI = /^patchbay:\/\/connectors\/([a-z0-9][a-z0-9-]{0,63})\/capabilities$/;

const capabilitiesUri = (slug: string) => CAPABILITIES_TEMPLATE.replace("{slug}", slug);

const SCRIPT_API: Resource = {
  uri: SCRIPT_API_URI,
  name: "script-api",
  title: "Script connector API reference",
  description:
    "How a script connector's commands are written: what generate_connector_script's skeletons follow.",
  mimeType: "text/markdown",
};

/**
 * MCP resources: the script API reference, and each connector's capabilities for the connectors the key
 * sees. The catalog is read with `ListConnectors` and `GetCapabilities` in process with the caller's key,
 * so their scope (`catalog:read`), visibility (another tenant's unpublished connector is never listed
 * nor read) and paging are the RPCs' own. `state.failed` gets a read's failure for the log line. A read
 * ends as a tool call does: when the client cancels it, goes away (`state.gone`) or the server stops.
 */
export function registerResources(
  server: Server,
  deps: McpDeps,
  caller: McpCaller,
  state: { failed: ConnectError | undefined; readonly gone?: AbortSignal | undefined },
  stopping: AbortFanOut,
): void {
  const listRule = accessRuleFor(CatalogService.method.listConnectors);
  const mayList = listRule.public || hasScope(caller.principal.scopes, listRule.scope);
  /** Runs a catalog RPC; its refusal becomes a JSON-RPC error (a ConnectError's code is not one). */
  const rpc = async (
    method: DescMethodUnary,
    request: JsonValue,
    signal: AbortSignal,
    words: { notFound: string; invalid?: string },
  ): Promise<JsonObject> => {
    // The SDK's signal aborts on the client's cancel or the server's close, not when the client goes
    // away: as for a tool call, the request's watch on its client is linked too, or the RPC's reads (and
    // the key's in-flight place) would outlast a client that left.
    const controller = new AbortController();
    const unlink = stopping.link(controller, signal, state.gone);
    try {
      return await callRpc(deps.api, caller, method, request, controller.signal);
    } catch (thrown) {
      const error =
        thrown instanceof ConnectError ? thrown : new ConnectError("internal error", Code.Internal);
      state.failed = error;
      throw toMcpError(error, words);
    } finally {
      unlink();
    }
  };

  server.setRequestHandler(ListResourcesRequestSchema, async (request, extra) => {
    const cursor = request.params?.cursor;
    const first = cursor === undefined ? [SCRIPT_API] : [];
    // A key that may not read the catalog is shown the reference alone.
    if (!mayList) {
      if (cursor !== undefined) throw new McpError(ErrorCode.InvalidParams, INVALID_CURSOR);
      return { resources: first };
    }
    const answer = await rpc(
      CatalogService.method.listConnectors,
      { pageSize: MCP_PAGE_SIZE, pageToken: cursor ?? "" },
      extra.signal,
      { notFound: INVALID_CURSOR, invalid: INVALID_CURSOR },
    );
    const connectors = Array.isArray(answer.connectors) ? answer.connectors : [];
    const resources = connectors.flatMap((connector): Resource[] => {
      if (typeof connector !== "object" || connector === null || Array.isArray(connector)) return [];
      const slug = typeof connector.slug === "string" ? connector.slug : "";
      const name = typeof connector.name === "string" && connector.name !== "" ? connector.name : slug;
      const description = typeof connector.description === "string" ? connector.description : "";
      return slug === ""
        ? []
        : [
            {
              uri: capabilitiesUri(slug),
              name: `${slug}-capabilities`,
              title: `${name}: capabilities`,
              description:
                `Commands, params, outputs and connection fields of ${slug}. ${description}`.trim(),
              mimeType: "application/json",
            },
          ];
    });
    const next = typeof answer.nextPageToken === "string" ? answer.nextPageToken : "";
    return next === ""
      ? { resources: [...first, ...resources] }
      : { resources: [...first, ...resources], nextCursor: next };
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [
      {
        uriTemplate: CAPABILITIES_TEMPLATE,
        name: "connector-capabilities",
        title: "A connector's capabilities",
        description:
          "What GetCapabilities answers for the connector with this slug: commands with typed params and outputs, deprecations, connection fields.",
        mimeType: "application/json",
      },
    ],
  }));

  server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
    const { uri } = request.params;
    if (uri === SCRIPT_API_URI) {
      return { contents: [{ uri, mimeType: "text/markdown", text: SCRIPT_API_REFERENCE }] };
    }
    const notFound = `Resource ${uri.length > 200 ? `${uri.slice(0, 199)}…` : uri} not found`;
    const slug = CAPABILITIES_URI.exec(uri)?.[1];
    if (slug === undefined) {
      state.failed = new ConnectError("unknown resource", Code.NotFound);
      throw new McpError(ErrorCode.InvalidParams, notFound);
    }
    const answer = await rpc(CatalogService.method.getCapabilities, { slug }, extra.signal, { notFound });
    return { contents: [{ uri, mimeType: "application/json", text: JSON.stringify(answer) }] };
  });
}

/**
 * A refused catalog read as a JSON-RPC error: not found as the SDK answers an unknown resource (the same
 * for a connector of another tenant as for none), bad input as invalid params, a missing scope as an
 * invalid request, anything else as an internal error with the RPC's operator-safe message.
 */
function toMcpError(error: ConnectError, words: { notFound: string; invalid?: string }): McpError {
  switch (error.code) {
    case Code.NotFound:
      return new McpError(ErrorCode.InvalidParams, words.notFound);
    case Code.InvalidArgument:
      return new McpError(ErrorCode.InvalidParams, words.invalid ?? error.rawMessage);
    case Code.PermissionDenied:
    case Code.Unauthenticated:
      return new McpError(ErrorCode.InvalidRequest, error.rawMessage);
    default:
      return new McpError(ErrorCode.InternalError, error.rawMessage);
  }
}
