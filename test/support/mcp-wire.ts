import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/** The SDK's own client on a server's `/mcp`, and the request id of the answer it read last. */
export interface WireClient {
  readonly client: Client;
  /** `x-request-id` of the last answer the client read: the id its request's log line carries. */
  lastRequestId(): string;
  close(): Promise<void>;
}

/** Connects the official MCP client to `${base}/mcp` with `key`, over HTTP. */
export async function connectMcp(base: string, key: string): Promise<WireClient> {
  let last = "";
  const client = new Client({ name: "patchbay-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        last = res.headers.get("x-request-id") ?? "";
        return res;
      },
    }),
  );
  return { client, lastRequestId: () => last, close: () => client.close() };
}

/**
 * Posts a raw body to `${base}/mcp`, as a client whose messages the SDK would not write (a hostile one,
 * or one that sends batches): its status, text, request id and headers.
 */
export async function postMcp(
  base: string,
  key: string,
  body: string,
): Promise<{ status: number; text: string; reqId: string; headers: Headers }> {
  const res = await fetch(`${base}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
    },
    body,
  });
  return {
    status: res.status,
    text: await res.text(),
    reqId: res.headers.get("x-request-id") ?? "",
    headers: res.headers,
  };
}
