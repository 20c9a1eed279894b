import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CreateMessageResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

/** A stand-in for a remote Patchbay's `/mcp`: the SDK's own server behind a bearer check. */
export interface TestRemote {
  /** The base URL to give `patchbay mcp --url`. */
  url: string;
  /** The Authorization header of every request that reached `/mcp`, in order ("" when absent). */
  authorizations: string[];
  close(): Promise<void>;
}

/** One MCP server per request, as a stateless server does: any replica could answer any request. */
function buildServer(): McpServer {
  const server = new McpServer({ name: "remote", version: "1.0.0" }, { capabilities: { logging: {} } });
  server.registerTool(
    "add",
    {
      description: "adds two numbers",
      inputSchema: { a: z.number(), b: z.number() },
      outputSchema: { sum: z.number() },
    },
    ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }], structuredContent: { sum: a + b } }),
  );
  // A message from the server before the answer: the bridge relays more than request/response pairs.
  server.registerTool("announce", { description: "logs a line, then answers" }, async (extra) => {
    await extra.sendNotification({
      method: "notifications/message",
      params: { level: "info", data: "announcing" },
    });
    return { content: [{ type: "text", text: "announced" }] };
  });
  // A request from the server to the client in the middle of a call, on that call's stream: the client's
  // model answers, in a later POST that only a server holding the session can match.
  server.registerTool(
    "ask",
    { description: "asks the client's model", inputSchema: { question: z.string() } },
    async ({ question }, extra) => {
      const answer = await extra.sendRequest(
        {
          method: "sampling/createMessage",
          params: { messages: [{ role: "user", content: { type: "text", text: question } }], maxTokens: 50 },
        },
        CreateMessageResultSchema,
      );
      return { content: [{ type: "text", text: answer.content.type === "text" ? answer.content.text : "" }] };
    },
  );
  return server;
}

/** How the remote keeps (or not) its clients. */
export interface TestRemoteOptions {
  /**
   * Sessions (the SDK's stateful mode): the server's request to the client (sampling) is answered in a
   * later POST, which only a server that kept the session can match. Default: stateless.
   */
  sessions?: boolean;
}

/** Starts the remote on a free port of 127.0.0.1; only `Authorization: Bearer <key>` passes. */
export async function startRemote(key: string, options: TestRemoteOptions = {}): Promise<TestRemote> {
  const authorizations: string[] = [];
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  /** The session's transport, or a new session's for a request without one (initialize). */
  const sessionTransport = async (id: string | string[] | undefined) => {
    const known = typeof id === "string" ? sessions.get(id) : undefined;
    if (known !== undefined) return known;
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (sessionId) => {
        sessions.set(sessionId, transport);
      },
    });
    await buildServer().connect(transport);
    return transport;
  };
  const http = createServer((req, res) => {
    if (new URL(req.url ?? "/", "http://remote").pathname !== "/mcp") {
      res.writeHead(404).end();
      return;
    }
    authorizations.push(req.headers.authorization ?? "");
    if (req.headers.authorization !== `Bearer ${key}`) {
      res.writeHead(401, { "www-authenticate": "Bearer", "content-type": "application/json" });
      res.end('{"error":"unauthenticated"}');
      return;
    }
    // Stateless: no stream outside a request, which a client is told with 405.
    if (req.method !== "POST" && options.sessions !== true) {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    if (options.sessions === true) {
      void sessionTransport(req.headers["mcp-session-id"]).then((transport) =>
        transport.handleRequest(req, res),
      );
      return;
    }
    const server = buildServer();
    // No session id generator: the stateless mode of the SDK's transport.
    const transport = new StreamableHTTPServerTransport({});
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    authorizations,
    close: async () => {
      for (const transport of sessions.values()) await transport.close();
      http.closeAllConnections();
      http.close();
      await once(http, "close");
    },
  };
}
