import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { sign } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionService } from "../../gen/patchbay/v1/connection_pb.ts";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// Webhook endpoints are the tenant's, but one whose target runs a command on Alice's connection runs
// with her credentials. A colleague holding webhooks:admin must not be able to set its secret (and then
// sign forged deliveries that run her command), delete it, or run its jobs again.

async function codeOf(call: () => Promise<unknown>): Promise<Code | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    return error instanceof ConnectError ? error.code : undefined;
  }
}

describe("an endpoint that runs a user's command is that user's to change", () => {
  let t: TestServer;
  let upstream: Server;
  const hits: string[] = [];
  let alice = "";
  let colleague = "";
  let admin = "";
  let endpoint = "";
  const transport = () => createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" });
  const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
  const hooks = () => createClient(WebhookService, transport());

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      res.setHeader("content-type", "application/json").end("{}");
    });
    await new Promise<void>((listening) => upstream.listen(0, "127.0.0.1", listening));
    t = await startTestServer("postgresql");
    alice = await t.createKey(["connections", "execute", "webhooks:admin"], "alice", "tenant-a");
    colleague = await t.createKey(["webhooks:admin", "webhooks:payload"], "jobs-worker", "tenant-a");
    admin = await t.createKey(["admin"], "operator", "tenant-a");
    const connections = createClient(ConnectionService, transport());
    const id = (await connections.startConnection({ connectorSlug: "placeholder-api" }, as(alice))).connection
      ?.id;
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    await connections.submitCredentials(
      { id: id ?? "", credentials: { baseUrl: base, apiKey: "alice-private-key-123" } },
      as(alice),
    );
    endpoint =
      (
        await hooks().createEndpoint(
          {
            provider: "github",
            connectorSlug: "github",
            secret: "alice-original-secret",
            target: { kind: { case: "command", value: { connectionId: id ?? "", command: "test" } } },
          },
          as(alice),
        )
      ).endpoint?.id ?? "";
  });
  afterAll(async () => {
    await t?.stop();
    await new Promise<void>((closed) => upstream.close(() => closed()));
  });

  it("refuses a colleague's rotation and deletion, and runs nothing of theirs", async () => {
    hits.length = 0;
    expect(
      await codeOf(() =>
        hooks().rotateEndpointSecret({ endpointId: endpoint, secret: "colleague-knows" }, as(colleague)),
      ),
    ).toBe(Code.PermissionDenied);
    expect(await codeOf(() => hooks().deleteEndpoint({ endpointId: endpoint }, as(colleague)))).toBe(
      Code.PermissionDenied,
    );
    // A delivery signed with the secret the colleague tried to set is refused: nothing runs.
    const body = JSON.stringify({ action: "opened", injected: "chosen by the colleague" });
    const forged = await fetch(`${t.url}/api/v1/connectors/webhooks/github/${endpoint}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": await sign("colleague-knows", body),
      },
      body,
    });
    expect(forged.status).toBe(401);
    expect(hits).toEqual([]);
    // The colleague still sees the endpoint (tenant-wide reading is the documented model).
    expect((await hooks().getEndpoint({ endpointId: endpoint }, as(colleague))).endpoint?.id).toBe(endpoint);
  });

  it("lets the owner and an admin key change it", async () => {
    const rotated = await hooks().rotateEndpointSecret(
      { endpointId: endpoint, secret: "alice-new-secret" },
      as(alice),
    );
    expect(rotated.endpoint?.id).toBe(endpoint);
    await hooks().rotateEndpointSecret({ endpointId: endpoint, secret: "operator-secret" }, as(admin));
    await hooks().deleteEndpoint({ endpointId: endpoint }, as(alice));
  });
});
