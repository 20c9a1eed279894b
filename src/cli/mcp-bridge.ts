import type { Readable, Writable } from "node:stream";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import {
  CancelledNotificationSchema,
  ErrorCode,
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
} from "@modelcontextprotocol/sdk/types.js";
import { mcpEndpoint } from "./mcp-endpoint.ts";
import { describeRemoteFailure } from "./remote-failure.ts";
import { UsageError } from "./usage-error.ts";

const USAGE = "usage: patchbay mcp --url <base> [--key-env VAR]";
/** How long answers still due are awaited once the client has closed standard input. */
const DRAIN_MS = 10_000;

/** Options of `patchbay mcp`. */
export interface McpBridgeOptions {
  /** The Patchbay base URL; the bridge talks to `<url>/mcp`. */
  url: string;
  /** The environment variable holding the API key. */
  keyEnv: string;
}

/** What the bridge reads and writes: the process itself in the command (it has all three). */
export interface McpBridgeIo {
  /** Where the key variable is looked up. */
  env: Readonly<Record<string, string | undefined>>;
  /** JSON-RPC messages from the MCP client, one per line. */
  stdin: Readable;
  /** JSON-RPC messages to the MCP client, and nothing else: any other byte breaks the client. */
  stdout: Writable;
}

function readKey(env: McpBridgeIo["env"], name: string): string {
  const key = env[name];
  if (key === undefined || key === "")
    throw new UsageError(`mcp: ${name} is not set (the API key); ${USAGE}`);
  // fetch would refuse the header with the value in its message; refuse it here without the value.
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new UsageError(`mcp: ${name} must hold an API key (printable ASCII without spaces); ${USAGE}`);
  }
  return key;
}

/**
 * `patchbay mcp`: relays every JSON-RPC message between an MCP client on standard input/output and the
 * remote Patchbay's Streamable HTTP endpoint, both ways and at the message level, so every tool, resource
 * and prompt the server offers works, and so do its requests to the client (sampling). Answers the exit
 * status: 0 once the client closes standard input and its requests are answered, 1 when the remote
 * refuses the key or cannot be reached at all. Throws `UsageError` (status 2) for a missing key or bad URL.
 */
export async function runMcpBridge(
  options: McpBridgeOptions,
  io: McpBridgeIo,
  /** Standard error: one line per diagnostic, never the key. */
  writeErr: (text: string) => void,
): Promise<number> {
  const endpoint = mcpEndpoint(options.url);
  const key = readKey(io.env, options.keyEnv);
  // The key could only reach a line through an error text (a server echoing the header); scrub it anyway.
  const scrub = (line: string) => `patchbay mcp: ${line.split(key).join("[key]")}`;
  const diagnose = (line: string) => writeErr(`${scrub(line)}\n`);

  const remote = new StreamableHTTPClientTransport(endpoint, {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  const local = new StdioServerTransport(io.stdin, io.stdout);
  /** Requests of the client still waiting for the remote's answer: standard input may end before them. */
  const pending = new Set<RequestId>();
  /** Errors a failed send already handled, so `onerror` (called for them too) does not report them twice. */
  const handled = new WeakSet<object>();
  let initializeId: RequestId | undefined;
  let reached = false;
  let inputEnded = false;
  let stopping = false;
  let drain: NodeJS.Timeout | undefined;
  const { promise: finished, resolve: finish } = Promise.withResolvers<number>();

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    clearTimeout(drain);
    // A stateful server keeps a session per client; end it (a no-op for a stateless Patchbay).
    await remote.terminateSession().catch(() => {});
    await remote.close();
    await local.close();
    finish(code);
  };
  const settle = (id: RequestId) => {
    pending.delete(id);
    if (inputEnded && pending.size === 0) void stop(0);
  };
  /** Reports a failure on standard error; answers whether the bridge has to give up. */
  const fail = (error: unknown): { line: string; fatal: boolean } => {
    const failure = describeRemoteFailure(error, { endpoint, keyEnv: options.keyEnv, reached });
    diagnose(failure.line);
    return failure;
  };

  local.onmessage = (message: JSONRPCMessage) => {
    if (stopping) return;
    const request = isJSONRPCRequest(message) ? message : undefined;
    if (request !== undefined) {
      pending.add(request.id);
      if (request.method === "initialize") initializeId = request.id;
    }
    // A request the client gave up on gets no answer it waits for (the server may not answer it at all).
    if (isJSONRPCNotification(message)) {
      const cancelled = CancelledNotificationSchema.safeParse(message);
      if (cancelled.success && cancelled.data.params.requestId !== undefined) {
        settle(cancelled.data.params.requestId);
      }
    }
    remote.send(message).then(
      () => {
        reached = true;
      },
      async (error: unknown) => {
        if (error instanceof Error) handled.add(error);
        // Closing the remote transport aborts what is still in flight: not a failure worth a line.
        if (stopping) return;
        const failure = fail(error);
        if (request !== undefined) {
          // The client hears why its request failed instead of waiting for an answer that never comes.
          const reply = { code: ErrorCode.InternalError, message: scrub(failure.line) };
          await local.send({ jsonrpc: "2.0", id: request.id, error: reply }).catch(() => {});
        }
        if (failure.fatal) await stop(1);
        else if (request !== undefined) settle(request.id);
      },
    );
  };
  remote.onmessage = (message: JSONRPCMessage) => {
    reached = true;
    if (isJSONRPCResultResponse(message) && message.id === initializeId) {
      // What the SDK's Client does after initialize: later requests carry the negotiated version.
      const version = message.result.protocolVersion;
      if (typeof version === "string") remote.setProtocolVersion(version);
    }
    void local.send(message).then(() => {
      if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
        if (message.id !== undefined) settle(message.id);
      }
    });
  };
  // Called for send failures too, before the send rejects: report only what no send took care of.
  remote.onerror = (error: Error) => {
    setImmediate(() => {
      if (handled.has(error) || stopping) return;
      if (fail(error).fatal) void stop(1);
    });
  };
  local.onerror = (error: Error) => diagnose(`standard input: ${error.message}`);
  io.stdout.on("error", () => void stop(1));
  // The stdio transport does not watch for the end of input; the client closing it ends the bridge.
  io.stdin.once("end", () => {
    inputEnded = true;
    if (pending.size === 0) void stop(0);
    // An answer lost on the way (a server that never answers) must not keep the bridge running.
    else drain = setTimeout(() => void stop(0), DRAIN_MS);
  });

  await remote.start();
  await local.start();
  return finished;
}
