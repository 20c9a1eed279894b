import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Events } from "oauth2-mock-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { type RunningServer, startServer } from "../../src/server/start-server.ts";
import {
  CLIENT,
  followAuthorize,
  type MockProvider,
  startMockProvider,
} from "../connections/oauth/mock-provider.ts";
import { LogCapture } from "../support/log-capture.ts";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

const PUBLIC_URL = "http://patchbay.test";

interface ConnectionJson {
  id: string;
  status: string;
  lastError?: string;
  grantedScopes?: string[];
  tokenExpireTime?: string;
}

describe.each(BACKENDS)("OAuth 2.0 connections against a real local OAuth server on %s", (backend) => {
  let t: TestServer;
  let provider: MockProvider;
  let tokenResponses = 0;
  const responses: string[] = [];
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.url}${path}`, {
      method,
      redirect: "manual",
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    responses.push(text);
    return {
      status: res.status,
      headers: res.headers,
      text,
      json: (text.startsWith("{") ? JSON.parse(text) : {}) as Record<string, unknown>,
    };
  };
  /** The browser: provider authorize → redirect to our callback (on the real server) → the completion page. */
  const browse = async (oauthUrl: string) => {
    const callback = await followAuthorize(oauthUrl);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${PUBLIC_URL}/api/v1/connections/oauth/callback`);
    const res = await fetch(`${t.url}${callback.pathname}${callback.search}&iss=ignored-extra`);
    return {
      status: res.status,
      csp: res.headers.get("content-security-policy"),
      html: await res.text(),
      callback,
    };
  };

  // Traces go to a receiver on loopback: a refresh made for an Execute is a span of the call's trace.
  const spans: {
    traceId: string;
    spanId: string;
    parentSpanId?: string;
    name: string;
    status?: { code?: number };
    attributes?: { key: string; value: Record<string, unknown> }[];
  }[] = [];
  const traceReceiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as {
        resourceSpans?: { scopeSpans: { spans: typeof spans }[] }[];
      };
      for (const r of body.resourceSpans ?? []) for (const s of r.scopeSpans) spans.push(...s.spans);
      res.end("{}");
    });
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => traceReceiver.listen(0, "127.0.0.1", resolve));
    provider = await startMockProvider();
    provider.server.service.on(Events.BeforeResponse, () => {
      tokenResponses += 1;
    });
    t = await startTestServer(backend, {
      PATCHBAY_PUBLIC_URL: PUBLIC_URL,
      PATCHBAY_OAUTH_ALLOW_LOOPBACK_HTTP: "true",
      PATCHBAY_OAUTH_ENV_OAUTH_CLIENT_ID: "envclient",
      PATCHBAY_OAUTH_ENV_OAUTH_CLIENT_SECRET: "env-secret-value",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(traceReceiver.address() as AddressInfo).port}`,
    });
    const created = await call("POST", "/api/v1/connectors", {
      name: "acme-oauth",
      type: "oauth2-api",
      executionModel: "built_in",
      config: {
        baseUrl: provider.base,
        authorizeUrl: `${provider.base}/authorize`,
        tokenUrl: `${provider.base}/token`,
        revokeUrl: `${provider.base}/revoke`,
        scopes: "read write",
        clientId: CLIENT.clientId,
        clientSecret: CLIENT.clientSecret,
      },
    });
    expect(created.status).toBe(200);
  });
  afterAll(async () => {
    await t?.stop();
    await provider?.stop();
    traceReceiver.closeAllConnections();
    await new Promise((resolve) => traceReceiver.close(resolve));
  });

  let connectionId = "";

  it("runs start → provider authorize → callback → active, answering a page that tells the opening tab", async () => {
    const started = await call("POST", "/api/v1/connections", { connectorSlug: "acme-oauth" });
    expect(started.status).toBe(201);
    expect(started.json.credentialSubmitUrl).toBe("");
    const oauthUrl = new URL(String(started.json.oauthUrl));
    expect(oauthUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(oauthUrl.searchParams.get("redirect_uri")).toBe(`${PUBLIC_URL}/api/v1/connections/oauth/callback`);
    expect(oauthUrl.searchParams.has("prompt")).toBe(false);
    connectionId = (started.json.connection as ConnectionJson).id;

    // The provider grants what it grants (RFC 6749 §5.1): the connection records its answer.
    provider.server.service.once(Events.BeforeResponse, (response) => {
      if (typeof response.body === "object") response.body.scope = "read write";
    });
    const page = await browse(oauthUrl.toString());
    expect(page.status).toBe(200);
    expect(page.html).toContain("BroadcastChannel");
    expect(page.html).toContain("localStorage");
    expect(page.csp).toContain("script-src 'sha256-");
    const after = (await call("GET", `/api/v1/connections/${connectionId}`)).json
      .connection as ConnectionJson;
    expect(after.status).toBe("active");
    expect(after.grantedScopes).toEqual(["read", "write"]);
    expect(Date.parse(after.tokenExpireTime ?? "")).toBeGreaterThan(Date.now());

    // The same callback again: the state was single-use.
    const replay = await fetch(`${t.url}${page.callback.pathname}${page.callback.search}`);
    expect(await replay.text()).toContain("state_reused");
  });

  it("takes the OAuth client from the environment when the instance config has none", async () => {
    const created = await call("POST", "/api/v1/connectors", {
      name: "env-oauth",
      type: "oauth2-api",
      executionModel: "built_in",
      config: {
        baseUrl: provider.base,
        authorizeUrl: `${provider.base}/authorize`,
        tokenUrl: `${provider.base}/token`,
      },
    });
    expect((created.json.connector as { configured: boolean; availability: string }).configured).toBe(true);
    const started = await call("POST", "/api/v1/connections", { connectorSlug: "env-oauth" });
    expect(started.status).toBe(201);
    expect(new URL(String(started.json.oauthUrl)).searchParams.get("client_id")).toBe("envclient");
  });

  it("redirects StartOAuth to the provider, forcing the account picker when asked", async () => {
    const res = await call(
      "GET",
      "/api/v1/connections/oauth/start?slug=acme-oauth&select_account=1&label=second",
    );
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(`${provider.base}/authorize`);
    expect(location.searchParams.get("prompt")).toBe("select_account");
  });

  it("refuses an expired state and reports a provider's access_denied on the connection", async () => {
    const started = await call("POST", "/api/v1/connections", {
      connectorSlug: "acme-oauth",
      label: "expiring",
    });
    const id = (started.json.connection as ConnectionJson).id;
    const state = new URL(String(started.json.oauthUrl)).searchParams.get("state") ?? "";
    await t.server.db
      .em()
      .getConnection()
      .execute(
        `update oauth_states set expires_at = now() - interval '1 minute' where connection_id = '${id}'`,
      );
    const expired = await fetch(`${t.url}/api/v1/connections/oauth/callback?state=${state}&code=x`);
    expect(await expired.text()).toContain("state_expired");

    const restarted = await call("POST", `/api/v1/connections/${id}/oauth`, {});
    const state2 = new URL(String(restarted.json.oauthUrl)).searchParams.get("state") ?? "";
    const denied = await fetch(
      `${t.url}/api/v1/connections/oauth/callback?state=${state2}&error=access_denied&error_description=User+said+no`,
    );
    const html = await denied.text();
    expect(html).toContain("access_denied");
    expect(html).not.toContain("User said no");
    const status = (await call("GET", `/api/v1/connections/${id}/oauth`)).json.connection as ConnectionJson;
    expect(status).toMatchObject({ status: "pending", lastError: "oauth: access_denied" });
  });

  it("answers an Execute whose token refresh the provider refuses with failed_precondition, not internal", async () => {
    await t.server.db
      .em()
      .getConnection()
      .execute(
        `update connections set token_expires_at = now() - interval '1 second' where id = '${connectionId}'`,
      );
    provider.server.service.once(Events.BeforeResponse, (response) => {
      response.statusCode = 401;
      response.body = { error: "invalid_client", error_description: "client secret rotated" };
    });
    const run = await call("POST", `/api/v1/connections/${connectionId}/execute`, {
      command: "request",
      params: { path: "/userinfo" },
    });
    expect(run.status).toBe(400);
    expect(run.json.code).toBe("failed_precondition");
    expect(String(run.json.message)).toContain("OAuth provider error");
    expect(run.text).not.toContain("client secret rotated");
    // Nothing was lost: the connection is still active and refreshes once the provider accepts again.
    const after = (await call("GET", `/api/v1/connections/${connectionId}`)).json
      .connection as ConnectionJson;
    expect(after.status).toBe("active");
    // The failed refresh is a span of the Execute's trace, failed, with its outcome and nothing else.
    // The call's span ends after the refresh's, so it may come in a later export: wait for both.
    const parentOfRefresh = () => {
      const refresh = spans.find((s) => s.name === "oauth refresh");
      return spans.find((s) => refresh !== undefined && s.spanId === refresh.parentSpanId)?.name;
    };
    await expect.poll(parentOfRefresh, { timeout: 60_000 }).toBe("patchbay.v1.ExecuteService/Execute");
    const refresh = spans.find((s) => s.name === "oauth refresh");
    expect(refresh?.status?.code).toBe(2);
    expect(refresh?.attributes?.find((a) => a.key === "patchbay.oauth.outcome")?.value).toEqual({
      stringValue: "failed",
    });
    expect(JSON.stringify(spans)).not.toContain("client secret rotated");
  });

  it("refreshes on demand, and marks the connection for reauthorization on invalid_grant", async () => {
    const scrape = async () => parsePrometheusText(await (await fetch(`${t.url}/metrics`)).text());
    const metricsBefore = await scrape();
    const before = tokenResponses;
    const refreshed = await call("POST", `/api/v1/connections/${connectionId}/refresh`, {});
    expect(refreshed.status).toBe(200);
    expect((refreshed.json.connection as ConnectionJson).status).toBe("active");
    expect(tokenResponses).toBe(before + 1);

    provider.server.service.once(Events.BeforeResponse, (response) => {
      response.statusCode = 400;
      response.body = { error: "invalid_grant", error_description: "revoked by the user" };
    });
    const dead = await call("POST", `/api/v1/connections/${connectionId}/refresh`, {});
    expect(dead.status).toBe(400);
    expect(dead.json.code).toBe("failed_precondition");
    const after = (await call("GET", `/api/v1/connections/${connectionId}`)).json
      .connection as ConnectionJson;
    expect(after).toMatchObject({ status: "error", lastError: "reauthorization_required" });
    // The metrics saw one refresh and one refusal by the provider.
    const metricsAfter = await scrape();
    const moved = (outcome: string) =>
      sampleValue(metricsAfter, "patchbay_oauth_refreshes_total", { outcome }) -
      sampleValue(metricsBefore, "patchbay_oauth_refreshes_total", { outcome });
    expect(moved("refreshed")).toBe(1);
    expect(moved("reauthorization_required")).toBe(1);
    expect(moved("failed")).toBe(0);
  });

  it("revokes the token at the provider when the connection is deleted", async () => {
    let revoked = 0;
    provider.server.service.once(Events.BeforeRevoke, () => {
      revoked += 1;
    });
    const deleted = await call("DELETE", `/api/v1/connections/${connectionId}`);
    expect(deleted.json).toEqual({ deleted: true });
    expect(revoked).toBe(1);
  });

  it("never returns or logs a token", () => {
    const everything = responses.join("\n") + t.logs.text();
    expect(everything).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/);
    expect(everything).not.toContain(CLIENT.clientSecret);
    expect(everything).not.toContain("env-secret-value");
  });

  if (backend === "postgresql") {
    it("50 concurrent uses of an expired connection across two replicas make exactly one token request", async () => {
      const started = await call("POST", "/api/v1/connections", {
        connectorSlug: "acme-oauth",
        label: "busy",
      });
      const id = (started.json.connection as ConnectionJson).id;
      await browse(String(started.json.oauthUrl));
      await t.server.db
        .em()
        .getConnection()
        .execute(`update connections set token_expires_at = now() - interval '1 second' where id = '${id}'`);
      const logs = new LogCapture();
      const replica: RunningServer = await startServer(loadConfig(t.env, false), {
        logger: createLogger({ level: "warn", format: "json", destination: logs.stream }),
        notice: () => undefined,
      });
      try {
        const before = tokenResponses;
        const uses = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? t.server : replica).tokens.use(id));
        const results = await Promise.all(uses);
        expect(tokenResponses - before).toBe(1);
        expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
      } finally {
        await replica.stop();
      }
    });
  }
});
