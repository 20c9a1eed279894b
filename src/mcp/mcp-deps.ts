import type { DescMessage } from "@bufbuild/protobuf";
import type { ConnectError, Transport } from "@connectrpc/connect";
import type { ApiKeyStore, Principal } from "../auth/index.ts";
import type { ConnectorLookup } from "../catalog/index.ts";
import type { ActiveConnection } from "../connections/index.ts";
import type { CommandRunner } from "../execute/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { PageTokens } from "../paging/index.ts";
import type { NodeReq } from "../protocol/node-types.ts";
import type { RateLimitCheck } from "../ratelimit/index.ts";
import type { ReplyRelay } from "./reply-relay.ts";
import type { ToolListNotices } from "./tool-list-notices.ts";

/**
 * The input rules every RPC's request is held to at the edge (docs/limits.md), for what reaches MCP
 * without passing that edge: a connector tool's Execute request, a tool's arguments, a client's answer.
 */
export interface McpInputRules {
  /** Checks a request message as the edge does: INVALID_ARGUMENT naming the field, or undefined. */
  readonly check: (schema: DescMessage, message: object) => ConnectError | undefined;
  /**
   * Checks a JSON value that is no request message's field as if it were one named `name`: text
   * without U+0000, sizes, nesting (the walk stops at the limit). INVALID_ARGUMENT naming the path below
   * `name`, or undefined.
   */
  readonly checkJson: (value: unknown, name: string) => ConnectError | undefined;
  /** The most levels messages and JSON nest below a request. */
  readonly maxDepth: number;
}

/** What the MCP endpoint needs, handed over by the composition root. */
export interface McpDeps {
  /** The caller's own active connections (the connections feature's read). */
  readonly activeConnections: (principal: Principal) => Promise<readonly ActiveConnection[]>;
  /**
   * The same, as read up to a couple of seconds ago (kept per tenant and subject): what resolving a
   * `tools/call` name reads first, reading afresh when the name is not found. Safe because the call
   * itself reads the connection again (a connection revoked since is refused, as Execute refuses it).
   */
  readonly keptActiveConnections: (principal: Principal) => Promise<readonly ActiveConnection[]>;
  /** The slugs of the auth-less connectors a tenant sees (the catalog's read). */
  readonly authlessConnectors: (tenantId: string) => Promise<readonly string[]>;
  /**
   * The same, as read up to a couple of seconds ago (kept per tenant): what resolving a `tools/call`
   * name reads first, reading afresh when the name is not found.
   */
  readonly keptAuthlessConnectors: (tenantId: string) => Promise<readonly string[]>;
  /** The catalog's connector lookup (visibility and availability as Execute sees them). */
  readonly lookup: ConnectorLookup;
  /** Execute's path for commands run from inside Patchbay: dispatch, failure classes, records. */
  readonly commands: CommandRunner;
  /**
   * The server's own Connect procedures in process, behind the same auth (key and the method's scope),
   * input-rule and error-edge interceptors: the building tools call them with the caller's key, so each
   * tool's checks are the RPC's own.
   */
  readonly api: Transport;
  /** The edge's input rules (the same checker the in-process procedures are held to). */
  readonly input: McpInputRules;
  readonly keys: ApiKeyStore;
  /** The key's rate limit, counted in the same store as every other protocol's calls. */
  readonly rateLimit: RateLimitCheck;
  /**
   * Admits one call of the key against its in-flight limit and load shedding (the router's own gate,
   * shared); returns the function that ends it, or throws RESOURCE_EXHAUSTED with retry-after.
   */
  readonly admit: (principal: Principal) => () => void;
  readonly logger: Logger;
  /** The server's signed page tokens: `tools/list` cursors, valid on every replica. */
  readonly pageTokens: PageTokens;
  /** The server's public base URL, for the protected-resource metadata. */
  readonly publicUrl: string;
  /** Reads a request body under the server's body limit; undefined when it is larger. */
  readonly readBody: (req: NodeReq) => Promise<Uint8Array | undefined>;
  /** The server's body limit, in bytes: a client's answer is stored only when its JSON fits in it. */
  readonly maxBodyBytes: number;
  /** Carries clients' answers to the server's own requests (sampling) to the request that waits, on any replica. */
  readonly replies: ReplyRelay;
  /** The open notification streams (`GET /mcp`) and what they are told. */
  readonly notices: ToolListNotices;
  /**
   * Aborts when the server's grace period is half over (as every RPC's signal does): tool calls still
   * running end then, and answer, before their connections are cut. Undefined when nothing stops them.
   */
  readonly shutdown?: AbortSignal | undefined;
  /** Compiles a script in the tenant's sandbox without running a command: the compile error, or undefined. */
  readonly checkScript: (tenantId: string, source: string) => Promise<string | undefined>;
}
