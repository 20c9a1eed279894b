import type { JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ConnectionService } from "../../gen/patchbay/v1/connection_pb.ts";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import {
  CLIENT,
  followAuthorize,
  type MockProvider,
  startMockProvider,
} from "../connections/oauth/mock-provider.ts";
import { PUBLISHED, publishedFixture } from "../connectors/openapi/fixtures.ts";
import { type FakeApiServer, startFakeApiServer } from "../support/openapi-fake-server.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const PUBLIC_URL = "http://patchbay.test";
const DOCUSIGN = publishedFixture(PUBLISHED.docusign);
const WALLET = publishedFixture(PUBLISHED.walletobjects);

/** Google Wallet's description with its authorization-code flow pointed at the loopback provider. */
function walletWithProvider(provider: MockProvider): string {
  const document = JSON.parse(WALLET) as {
    components: { securitySchemes: Record<string, { flows?: Record<string, Record<string, unknown>> }> };
  };
  const flow = document.components.securitySchemes.Oauth2c?.flows?.authorizationCode;
  if (flow === undefined) throw new Error("the Wallet description has no authorization-code flow");
  flow.authorizationUrl = `${provider.base}/authorize`;
  flow.tokenUrl = `${provider.base}/token`;
  return JSON.stringify(document);
}

// Two published descriptions (test/fixtures/openapi/) that took the service down before shared schemas
// were stored once: DocuSign's (2.7 MB, its plan was 123 MiB) and Google Wallet's (0.3 MB, 5.5 MiB).
// Each is imported with CreateConnector over gRPC, and a generated command runs against a loopback fake
// of the API that checks every request against the same description. The fakes and the OAuth provider
// serve both back ends.
let docusign: FakeApiServer;
let wallet: FakeApiServer;
let provider: MockProvider;

beforeAll(async () => {
  provider = await startMockProvider();
  docusign = await startFakeApiServer(JSON.parse(DOCUSIGN) as object, { basePath: "/restapi" });
  wallet = await startFakeApiServer(JSON.parse(WALLET) as object);
  // The fake compiles its validators on first use: ~30 s for DocuSign's envelope body on this machine,
  // more than an Execute waits for its upstream. One request warms it (and is not looked at).
  await fetch(`${docusign.url}/v2.1/accounts/warm-up/envelopes`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
}, 180_000);
afterAll(async () => {
  await docusign?.close();
  await wallet?.close();
  await provider?.stop();
});

// The import and the calls do not depend on how the database is set up (the other end-to-end suites run on
// both); DocuSign's 400 operations are imported once.
describe("published OpenAPI descriptions over the wire", () => {
  let t: TestServer;
  const options = () => ({ headers: { authorization: `Bearer ${t.adminKey}` } });
  const transport = () => createGrpcTransport({ baseUrl: t.url });
  const catalog = () => createClient(CatalogService, transport());
  const execute = (
    target: { case: "connectionId" | "connectorSlug"; value: string },
    command: string,
    params: JsonObject,
  ) => createClient(ExecuteService, transport()).execute({ target, command, params }, options());

  beforeAll(async () => {
    t = await startTestServer("postgresql", {
      PATCHBAY_PUBLIC_URL: PUBLIC_URL,
      PATCHBAY_OAUTH_ALLOW_LOOPBACK_HTTP: "true",
    });
  });
  afterAll(() => t?.stop());

  it("imports DocuSign's description and sends a generated command's request as the description says", async () => {
    const created = await catalog().createConnector(
      {
        name: "docusign",
        executionModel: "openapi",
        openapiDocument: DOCUSIGN,
        config: { baseUrl: docusign.url },
      },
      options(),
    );
    expect(created.connector).toMatchObject({
      executionModel: "openapi",
      authType: "none",
      version: "1.0.0",
    });
    const capabilities = await catalog().getCapabilities({ slug: "docusign" }, options());
    expect(capabilities.commands).toHaveLength(402);

    const before = docusign.requests.length;
    const signer = { email: "signer@example.com", name: "Signer", recipientId: "1", routingOrder: "1" };
    const sent = await execute({ case: "connectorSlug", value: "docusign" }, "envelopesPostEnvelopes", {
      accountId: "acc-1",
      emailSubject: "Please sign",
      status: "sent",
      recipients: { signers: [signer] },
    });
    expect(sent.executionId).not.toBe("");
    const [request] = docusign.requests.slice(before);
    expect(request).toMatchObject({
      operationId: "Envelopes_PostEnvelopes",
      method: "POST",
      path: "/restapi/v2.1/accounts/acc-1/envelopes",
      errors: [],
    });
    expect(request?.body).toEqual({
      emailSubject: "Please sign",
      status: "sent",
      recipients: { signers: [signer] },
    });
  }, 120_000);

  it("checks a DocuSign param through the shared schemas it is made of, before sending anything", async () => {
    const before = docusign.requests.length;
    const error = await execute({ case: "connectorSlug", value: "docusign" }, "envelopesPostEnvelopes", {
      accountId: "acc-1",
      recipients: { signers: [{ email: "signer@example.com", recipientId: 1 }] },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    const [detail] = (error as ConnectError).findDetails(ExecutionFailureSchema);
    expect(detail?.errorCode).toBe("INVALID_PARAMS");
    expect((error as ConnectError).rawMessage).toContain("recipients/signers/0/recipientId must be string");
    expect((error as ConnectError).rawMessage).not.toContain("signer@example.com");
    expect(docusign.requests.length).toBe(before);
  });

  it("imports Google Wallet's description and runs a generated command on an OAuth connection", async () => {
    await catalog().createConnector(
      {
        name: "wallet",
        executionModel: "openapi",
        openapiDocument: walletWithProvider(provider),
        config: { ...CLIENT, baseUrl: wallet.url },
      },
      options(),
    );
    const capabilities = await catalog().getCapabilities({ slug: "wallet" }, options());
    expect(capabilities.commands).toHaveLength(97);
    const started = await createClient(ConnectionService, transport()).startConnection(
      { connectorSlug: "wallet" },
      options(),
    );
    const callback = await followAuthorize(started.oauthUrl);
    const page = await fetch(`${t.url}${callback.pathname}${callback.search}`);
    expect(page.status).toBe(200);
    const connectionId = started.connection?.id ?? "";

    const before = wallet.requests.length;
    await execute({ case: "connectionId", value: connectionId }, "walletobjectsLoyaltyobjectGet", {
      resourceId: "3388000000012345.member-7",
    });
    const [request] = wallet.requests.slice(before);
    expect(request).toMatchObject({
      operationId: "walletobjects.loyaltyobject.get",
      method: "GET",
      path: "/walletobjects/v1/loyaltyObject/3388000000012345.member-7",
      errors: [],
    });
    expect(request?.headers.authorization).toMatch(/^Bearer \S+$/);
  }, 120_000);
});
