import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { IDEMPOTENCY_KEY_META, TIMEOUT_MS_META } from "../../src/mcp/call-options.ts";
import { type RunningServer, startServer } from "../../src/server/start-server.ts";
import { readExecutionRecords, STOPPED_MESSAGE } from "../support/execution-records.ts";
import { type HeldUpstream, startHeldUpstream } from "../support/held-upstream.ts";
import { LogCapture } from "../support/log-capture.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// A call a stop of the server cuts off is retried by its client on another replica; with the same
// idempotency key, the retry runs the command again rather than answering the stopped call's SERVER_STOPPED
// for the key's whole day.

/** Far longer than any test: only the stop can end the first calls. */
const NEVER_MS = 600_000;

describe("an idempotency key of a call the server's stop cut off", () => {
  let upstream: HeldUpstream;
  let a: TestServer | undefined;
  let b: RunningServer | undefined;
  const clients: Client[] = [];

  beforeEach(async () => {
    upstream = await startHeldUpstream();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
    await b?.stop();
    await a?.stop();
    await upstream.close();
  });

  /** An MCP client of `url` with the key. */
  async function mcpClient(url: string, key: string): Promise<Client> {
    const client = new Client({ name: "execute-key-after-stop", version: "1.0.0" });
    clients.push(client);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    return client;
  }

  it("is let go: a retry with the key on another replica runs the command again, over RPC and MCP", async () => {
    a = await startTestServer("postgresql", { PATCHBAY_SHUTDOWN_TIMEOUT_MS: "1000" });
    const database = a.database?.url ?? "";
    // A second replica on the same database, where the clients retry.
    b = await startServer(loadConfig(a.env, false), {
      logger: createLogger({ level: "warn", format: "json", destination: new LogCapture().stream }),
      notice: () => undefined,
    });
    const key = await a.createKey(["execute", "mcp"], "retrier");
    const headers = { authorization: `Bearer ${key}` };
    const params = (tag: string) => ({ url: `${upstream.url}?tag=${tag}`, timeoutMs: NEVER_MS });
    const execute = (url: string) =>
      createClient(ExecuteService, createGrpcTransport({ baseUrl: url })).execute(
        {
          target: { case: "connectorSlug", value: "http" },
          command: "request",
          params: params("rpc"),
          metadata: { idempotencyKey: "order-rpc" },
        },
        { headers, timeoutMs: NEVER_MS },
      );
    const callTool = (client: Client) =>
      client.callTool({
        name: "http_request",
        arguments: params("mcp"),
        _meta: { [TIMEOUT_MS_META]: NEVER_MS, [IDEMPOTENCY_KEY_META]: "order-mcp" },
      });

    const firstRpc = execute(a.url).then(
      () => undefined,
      (e: unknown) => e,
    );
    // One after the other, so that their records are in that order.
    await expect.poll(() => upstream.arrived.has("rpc"), { timeout: 60_000 }).toBe(true);
    const firstMcp = callTool(await mcpClient(a.url, key));
    await expect.poll(() => [...upstream.arrived].sort(), { timeout: 60_000 }).toEqual(["mcp", "rpc"]);
    await a.server.stop();
    // Both were cut off by the stop, not answered: the RPC is told to retry elsewhere.
    const cut = await firstRpc;
    expect(cut).toBeInstanceOf(ConnectError);
    expect([(cut as ConnectError).code, (cut as ConnectError).rawMessage]).toEqual([
      Code.Unavailable,
      STOPPED_MESSAGE,
    ]);
    // The tool call answers that the server stopped: its in-process call ends on the stop's reason, or on
    // its command's failure, whichever comes first; either tells the client to retry.
    const cutTool = await firstMcp;
    expect(cutTool.isError).toBe(true);
    const { code, message } = cutTool.structuredContent as { code: string; message: string };
    expect(code).toBe("unavailable");
    expect(["the server is stopping", STOPPED_MESSAGE]).toContain(message);
    // The retries reach the upstream again, which answers them now.
    upstream.release();
    const retried = await execute(b.url);
    const retriedTool = await callTool(await mcpClient(b.url, key));
    expect(retriedTool.isError).toBeFalsy();
    expect(upstream.requests.filter((tag) => tag === "rpc")).toHaveLength(2);
    expect(upstream.requests.filter((tag) => tag === "mcp")).toHaveLength(2);
    const toolExecution = (retriedTool._meta as { executionId: string }).executionId;

    // The key now holds the retry's run: once more, it answers that run again without running.
    const replayed = await execute(b.url);
    expect(replayed.executionId).toBe(retried.executionId);
    expect(upstream.requests.filter((tag) => tag === "rpc")).toHaveLength(2);

    // The stopped runs are recorded as such, without the key they let go; the retries hold it.
    const stopped = {
      status: "failed",
      error_code: "SERVER_STOPPED",
      message: STOPPED_MESSAGE,
      idempotency_key: null,
    };
    const records = await readExecutionRecords(database, "time");
    expect(records).toEqual([
      expect.objectContaining({ protocol: "grpc", ...stopped }),
      expect.objectContaining({ protocol: "mcp", ...stopped }),
      expect.objectContaining({
        id: retried.executionId,
        protocol: "grpc",
        status: "succeeded",
        idempotency_key: "order-rpc",
      }),
      expect.objectContaining({
        id: toolExecution,
        protocol: "mcp",
        status: "succeeded",
        idempotency_key: "order-mcp",
      }),
    ]);
  }, 120_000);
});
