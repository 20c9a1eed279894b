import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLIENT,
  followAuthorize,
  type MockProvider,
  startMockProvider,
} from "../connections/oauth/mock-provider.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const PUBLIC_URL = "http://patchbay.test";

interface Started {
  id: string;
  link: string;
}

// Item 9 of the seed audit: a browser tab opens the OAuth start without an API key.
describe("keyless OAuth start links over the wire", () => {
  let t: TestServer;
  let provider: MockProvider;
  let otherKey = "";
  const call = async (method: string, path: string, body?: unknown, key?: string) => {
    const res = await fetch(`${t.url}${path}`, {
      method,
      redirect: "manual",
      headers: { authorization: `Bearer ${key ?? t.adminKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      json: (text.startsWith("{") ? JSON.parse(text) : {}) as Record<string, unknown>,
    };
  };
  /** A browser tab: no Authorization header, redirects not followed. */
  const open = async (link: string) => {
    const url = new URL(link);
    expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC_URL}/api/v1/connections/oauth/link`);
    const res = await fetch(`${t.url}${url.pathname}${url.search}`, { redirect: "manual" });
    return { status: res.status, location: res.headers.get("location"), html: await res.text() };
  };
  const start = async (label: string, key?: string): Promise<Started> => {
    const started = await call("POST", "/api/v1/connections", { connectorSlug: "acme-oauth", label }, key);
    expect(started.status).toBe(201);
    return {
      id: (started.json.connection as { id: string }).id,
      link: String(started.json.oauthLinkUrl),
    };
  };
  const tokenOf = (link: string) => new URL(link).searchParams.get("token") ?? "";
  const withToken = (link: string, token: string) => {
    const url = new URL(link);
    url.searchParams.set("token", token);
    return url.toString();
  };
  const status = async (id: string, key?: string) =>
    ((await call("GET", `/api/v1/connections/${id}`, undefined, key)).json.connection as { status: string })
      .status;

  beforeAll(async () => {
    provider = await startMockProvider();
    t = await startTestServer("postgresql", {
      PATCHBAY_PUBLIC_URL: PUBLIC_URL,
      PATCHBAY_OAUTH_ALLOW_LOOPBACK_HTTP: "true",
    });
    const created = await call("POST", "/api/v1/connectors", {
      name: "acme-oauth",
      type: "oauth2-api",
      executionModel: "built_in",
      published: true,
      config: {
        baseUrl: provider.base,
        authorizeUrl: `${provider.base}/authorize`,
        tokenUrl: `${provider.base}/token`,
        scopes: "read write",
        clientId: CLIENT.clientId,
        clientSecret: CLIENT.clientSecret,
      },
    });
    expect(created.status).toBe(200);
    otherKey = await t.createKey(["connections"], "someone", "other-tenant");
  });
  afterAll(async () => {
    await t?.stop();
    await provider?.stop();
  });

  it("still needs an API key on the backend route /oauth/start", async () => {
    const res = await fetch(`${t.url}/api/v1/connections/oauth/start?slug=acme-oauth`, {
      redirect: "manual",
    });
    expect(res.status).toBe(401);
  });

  it("opens once without a key: 302 to the provider, and the flow completes", async () => {
    const { id, link } = await start("tab");
    const opened = await open(link);
    expect(opened.status).toBe(302);
    const provider302 = new URL(opened.location ?? "");
    expect(`${provider302.origin}${provider302.pathname}`).toBe(`${provider.base}/authorize`);
    expect(provider302.searchParams.get("code_challenge_method")).toBe("S256");
    const callback = await followAuthorize(provider302.toString());
    const page = await fetch(`${t.url}${callback.pathname}${callback.search}`);
    expect(page.status).toBe(200);
    expect(await status(id)).toBe("active");
  });

  it("refuses the same link the second time", async () => {
    const { link } = await start("twice");
    expect((await open(link)).status).toBe(302);
    const again = await open(link);
    expect(again.status).toBe(200);
    expect(again.location).toBeNull();
    expect(again.html).toContain("link_used");
  });

  it("refuses a link opened after it expired", async () => {
    const { id, link } = await start("late");
    await t.server.db
      .em()
      .getConnection()
      .execute(
        `update oauth_links set expires_at = now() - interval '1 second' where connection_id = '${id}'`,
      );
    const late = await open(link);
    expect(late.location).toBeNull();
    expect(late.html).toContain("link_expired");
  });

  it("refuses an altered link", async () => {
    const { link } = await start("altered");
    const token = tokenOf(link);
    const middle = Math.floor(token.length / 2);
    const flipped = `${token.slice(0, middle)}${token[middle] === "A" ? "B" : "A"}${token.slice(middle + 1)}`;
    for (const bad of [
      flipped,
      token.slice(0, -1),
      `${token}A`,
      token.split(".").slice(0, 2).join("."),
      "x.y",
    ]) {
      const opened = await open(withToken(link, bad));
      expect(opened.location, bad).toBeNull();
      expect(opened.html).toContain("link_invalid");
    }
    // Untouched, it still works: the refusals consumed nothing.
    expect((await open(link)).status).toBe(302);
  });

  it("never lets another tenant's link be reused or re-pointed", async () => {
    const mine = await start("mine");
    const theirs = await start("theirs", otherKey);
    const my = tokenOf(mine.link);
    const their = tokenOf(theirs.link);
    // A link is sealed whole (id and tenant): one spliced from the two is refused.
    const half = Math.floor(my.length / 2);
    for (const spliced of [my.slice(0, half) + their.slice(half), their.slice(0, half) + my.slice(half)]) {
      expect((await open(withToken(mine.link, spliced))).html).toContain("link_invalid");
    }
    // Their link opens their connection once; reusing it afterwards is refused.
    expect((await open(theirs.link)).status).toBe(302);
    expect((await open(theirs.link)).html).toContain("link_used");
    expect(await status(theirs.id, otherKey)).toBe("pending");
    expect(await status(mine.id)).toBe("pending");
  });

  it("returns a fresh link from RestartOAuth", async () => {
    const { id } = await start("restart");
    const restarted = await call("POST", `/api/v1/connections/${id}/oauth`, { selectAccount: true });
    const opened = await open(String(restarted.json.oauthLinkUrl));
    expect(opened.status).toBe(302);
    expect(new URL(opened.location ?? "").searchParams.get("prompt")).toBe("select_account");
  });
});
