import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ConnectionService } from "../../gen/patchbay/v1/connection_pb.ts";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { basicCredentials, followAuthorize } from "../connections/oauth/mock-provider.ts";
import { type FakeApiServer, startFakeApiServer } from "../support/openapi-fake-server.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

const PUBLIC_URL = "http://patchbay.test";
const CALLBACK = `${PUBLIC_URL}/api/v1/connections/oauth/callback`;
// No space: oauth4webapi form-urlencodes Basic credentials (RFC 6749 §2.3.1), and basicCredentials
// decodes them with decodeURIComponent, which leaves a "+" as is.
const CLIENT = { clientId: "things-app", clientSecret: "s3cret/with:odd&chars" };

/** A small description whose only security is an OAuth 2 authorization-code flow. */
function thingsApi(apiUrl: string, providerUrl: string) {
  const thing = {
    type: "object",
    required: ["id", "name"],
    properties: {
      id: { type: "string" },
      name: { type: "string" },
      tags: { type: "array", items: { type: "string" } },
    },
  };
  return {
    openapi: "3.0.3",
    info: { title: "Things API", version: "1.2.0" },
    servers: [{ url: apiUrl }],
    components: {
      securitySchemes: {
        oauth: {
          type: "oauth2",
          flows: {
            authorizationCode: {
              authorizationUrl: `${providerUrl}/authorize`,
              tokenUrl: `${providerUrl}/token`,
              scopes: { "read:things": "Read things", "write:things": "Create things" },
            },
          },
        },
      },
    },
    security: [{ oauth: ["read:things"] }],
    paths: {
      "/things/{id}": {
        get: {
          operationId: "getThing",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            200: { description: "The thing", content: { "application/json": { schema: thing } } },
          },
        },
      },
      "/things": {
        post: {
          operationId: "createThing",
          security: [{ oauth: ["write:things"] }],
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["name"],
                  properties: {
                    name: { type: "string" },
                    tags: { type: "array", items: { type: "string" } },
                  },
                },
              },
            },
          },
          responses: { 201: { description: "Created", content: { "application/json": { schema: thing } } } },
        },
      },
    },
  };
}

/** A token request the fake provider received. */
interface TokenRequest {
  client: { id: string; secret: string } | undefined;
  form: URLSearchParams;
}

/**
 * A strict little authorization server on loopback: codes are single-use and bound to the client, the
 * redirect URI and the PKCE S256 challenge (RFC 7636 §4.6); the client authenticates with HTTP Basic.
 */
interface FakeProvider {
  base: string;
  authorizeRequests: URL[];
  tokenRequests: TokenRequest[];
  /** Access tokens issued, in order. */
  issued: string[];
  close(): Promise<void>;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

async function startFakeProvider(): Promise<FakeProvider> {
  const grants = new Map<string, { challenge: string; redirectUri: string; scope: string }>();
  const provider: Omit<FakeProvider, "base" | "close"> = {
    authorizeRequests: [],
    tokenRequests: [],
    issued: [],
  };
  const server: Server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "GET" && url.pathname === "/authorize") {
      provider.authorizeRequests.push(url);
      const q = url.searchParams;
      if (q.get("client_id") !== CLIENT.clientId || q.get("response_type") !== "code") return json(400, {});
      const code = randomBytes(16).toString("hex");
      grants.set(code, {
        challenge: q.get("code_challenge") ?? "",
        redirectUri: q.get("redirect_uri") ?? "",
        scope: q.get("scope") ?? "",
      });
      const back = new URL(q.get("redirect_uri") ?? "");
      back.searchParams.set("code", code);
      back.searchParams.set("state", q.get("state") ?? "");
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (req.method === "POST" && url.pathname === "/token") {
      void readForm(req).then((form) => {
        const client = basicCredentials(req.headers.authorization ?? null);
        provider.tokenRequests.push({ client, form });
        if (client?.id !== CLIENT.clientId || client.secret !== CLIENT.clientSecret)
          return json(401, { error: "invalid_client" });
        const code = form.get("code") ?? "";
        const grant = grants.get(code);
        grants.delete(code);
        const verifier = form.get("code_verifier") ?? "";
        const challenge = createHash("sha256").update(verifier).digest("base64url");
        if (
          form.get("grant_type") !== "authorization_code" ||
          grant === undefined ||
          grant.redirectUri !== form.get("redirect_uri") ||
          grant.challenge !== challenge
        )
          return json(400, { error: "invalid_grant" });
        const accessToken = `things-at-${randomBytes(12).toString("hex")}`;
        provider.issued.push(accessToken);
        // Lower-case "bearer", as many providers answer: the request must still say "Bearer".
        json(200, {
          access_token: accessToken,
          token_type: "bearer",
          expires_in: 3600,
          refresh_token: `things-rt-${randomBytes(12).toString("hex")}`,
          scope: grant.scope,
        });
      });
      return;
    }
    json(404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    ...provider,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// An imported authorization-code flow (CreateConnector with openapi_document) runs through the
// connections OAuth machinery, and its commands send the token it obtained.
describe.each(BACKENDS)("an OpenAPI connector's OAuth 2 authorization-code flow on %s", (backend) => {
  let t: TestServer;
  let provider: FakeProvider;
  let api: FakeApiServer;
  let document = "";
  let connectionId = "";
  const options = () => ({ headers: { authorization: `Bearer ${t.adminKey}` } });
  const transport = () => createGrpcTransport({ baseUrl: t.url });
  const catalog = () => createClient(CatalogService, transport());
  const connections = () => createClient(ConnectionService, transport());
  const execute = (command: string, params: JsonObject) =>
    createClient(ExecuteService, transport()).execute(
      { target: { case: "connectionId", value: connectionId }, command, params },
      options(),
    );

  beforeAll(async () => {
    provider = await startFakeProvider();
    // The fake API matches paths only; the description it is given need not name its own URL.
    api = await startFakeApiServer(thingsApi("http://127.0.0.1", provider.base));
    document = JSON.stringify(thingsApi(api.url, provider.base));
    t = await startTestServer(backend, {
      PATCHBAY_PUBLIC_URL: PUBLIC_URL,
      PATCHBAY_OAUTH_ALLOW_LOOPBACK_HTTP: "true",
    });
    await catalog().createConnector(
      { name: "things", executionModel: "openapi", openapiDocument: document, config: { ...CLIENT } },
      options(),
    );
  });
  afterAll(async () => {
    await t?.stop();
    await api?.close();
    await provider?.close();
  });

  it("imports the flow as an OAuth connector that the instance config makes available", async () => {
    const { connector } = await catalog().getConnector({ slug: "things" }, options());
    expect(connector).toMatchObject({
      executionModel: "openapi",
      authType: "oauth",
      configured: true,
      availability: "available",
    });
  });

  it("connects through the provider with the imported endpoints and scopes, PKCE and the configured client", async () => {
    const started = await connections().startConnection({ connectorSlug: "things" }, options());
    expect(started.created).toBe(true);
    expect(started.connection?.status).toBe("pending");
    connectionId = started.connection?.id ?? "";
    const oauthUrl = new URL(started.oauthUrl);
    expect(`${oauthUrl.origin}${oauthUrl.pathname}`).toBe(`${provider.base}/authorize`);

    // The browser: the provider redirects it to the public callback, served by this Patchbay.
    const callback = await followAuthorize(oauthUrl.href);
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    const page = await fetch(`${t.url}${callback.pathname}${callback.search}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Connected. You can close this tab.");

    const [authorize] = provider.authorizeRequests;
    expect(authorize?.searchParams.get("scope")?.split(" ")).toEqual(["read:things", "write:things"]);
    expect(authorize?.searchParams.get("client_id")).toBe(CLIENT.clientId);
    expect(authorize?.searchParams.get("redirect_uri")).toBe(CALLBACK);
    expect(authorize?.searchParams.get("code_challenge_method")).toBe("S256");
    // One code redemption, which the provider accepted only with the right client, code, redirect URI and verifier.
    expect(provider.tokenRequests).toHaveLength(1);
    expect(provider.tokenRequests[0]?.client).toEqual({ id: CLIENT.clientId, secret: CLIENT.clientSecret });
    expect(provider.issued).toHaveLength(1);

    const { connection } = await connections().getConnection({ id: connectionId }, options());
    expect(connection).toMatchObject({ status: "active", authType: "oauth", lastError: "" });
    expect(connection?.grantedScopes).toEqual(["read:things", "write:things"]);
  });

  it("runs the generated commands with the issued token as a Bearer credential", async () => {
    const token = provider.issued[0];
    api.respond("getThing", 200, { id: "t-7", name: "Widget", tags: ["red"] });
    api.respond("createThing", 201, { id: "t-8", name: "Gadget", tags: ["blue"] });
    const before = api.requests.length;

    const got = await execute("getThing", { id: "t-7" });
    expect(got.payload).toEqual({ id: "t-7", name: "Widget", tags: ["red"] });
    const created = await execute("createThing", { name: "Gadget", tags: ["blue"] });
    expect(created.payload).toEqual({ id: "t-8", name: "Gadget", tags: ["blue"] });

    const [get, post] = api.requests.slice(before);
    expect(get).toMatchObject({ operationId: "getThing", method: "GET", path: "/things/t-7", errors: [] });
    expect(get?.headers.authorization).toBe(`Bearer ${token}`);
    expect(post).toMatchObject({ operationId: "createThing", method: "POST", path: "/things", errors: [] });
    expect(post?.body).toEqual({ name: "Gadget", tags: ["blue"] });
    expect(post?.headers.authorization).toBe(`Bearer ${token}`);
    // The stored token served both calls: nothing more was asked of the provider.
    expect(provider.tokenRequests).toHaveLength(1);
  });

  it("never returns or logs the client secret or the tokens", () => {
    const logs = t.logs.text();
    expect(provider.issued.length).toBeGreaterThan(0);
    for (const token of provider.issued) expect(logs).not.toContain(token);
    expect(logs).not.toContain(CLIENT.clientSecret);
  });

  it("marks the connector not_configured without an OAuth client, and refuses to start a connection", async () => {
    const { connector } = await catalog().createConnector(
      { name: "things-unconfigured", executionModel: "openapi", openapiDocument: document },
      options(),
    );
    expect(connector).toMatchObject({ authType: "oauth", configured: false, availability: "not_configured" });
    const before = provider.authorizeRequests.length;
    const error = await connections()
      .startConnection({ connectorSlug: "things-unconfigured" }, options())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.FailedPrecondition);
    expect(provider.authorizeRequests.length).toBe(before);
  });
});
