import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SecurityBinding } from "../../../src/connectors/openapi/index.ts";
import { type Harness, param, planOf, startHarness } from "./execute-harness.ts";

const SCHEMES: Record<string, SecurityBinding> = {
  headerKey: { type: "apiKey", in: "header", name: "X-API-Key", field: "headerKey" },
  queryKey: { type: "apiKey", in: "query", name: "api_key", field: "queryKey" },
  cookieKey: { type: "apiKey", in: "cookie", name: "session", field: "cookieKey" },
  oddQueryKey: { type: "apiKey", in: "query", name: "k\uD800ey", field: "oddQueryKey" },
  oddCookieKey: { type: "apiKey", in: "cookie", name: "s\uDC00id", field: "oddCookieKey" },
  hostKey: { type: "apiKey", in: "header", name: "Host", field: "hostKey" },
  bearer: { type: "bearer", field: "bearerToken" },
  basic: { type: "basic", usernameField: "username", passwordField: "password" },
  oauth: { type: "oauth2", flows: ["authorizationCode"] },
};

let api: Harness;
beforeAll(async () => {
  api = await startHarness();
});
afterAll(() => api.close());
beforeEach(() => api.reset());

/** Runs `op` (one query param `q`) under these document-level alternatives. */
function run(
  security: Array<Record<string, string[]>>,
  config: Record<string, unknown>,
  opSecurity?: typeof security,
) {
  const plan = planOf(
    {
      params: [param({ in: "query", name: "q" }), param({ in: "cookie", name: "theme", style: "form" })],
      ...(opSecurity !== undefined ? { security: opSecurity } : {}),
    },
    { securitySchemes: SCHEMES, security },
  );
  return api.run(plan, "op", { q: "x", theme: "dark" }, config);
}

describe("security bindings", () => {
  it("sends an apiKey header under the scheme's name", async () => {
    expect(await run([{ headerKey: [] }], { headerKey: "k-123" })).toMatchObject({ success: true });
    expect(api.last().headers["x-api-key"]).toBe("k-123");
  });

  it("appends an apiKey query param after the params, encoded", async () => {
    await run([{ queryKey: [] }], { queryKey: "k/1&2" });
    expect(api.last().url).toBe("/things?q=x&api_key=k%2F1%262");
  });

  it("adds an apiKey cookie to the Cookie header the cookie params built", async () => {
    await run([{ cookieKey: [] }], { cookieKey: "s 1" });
    expect(api.last().headers.cookie).toBe("theme=dark; session=s%201");
  });

  it("sends a query or cookie key whose name holds a lone surrogate, the surrogate replaced", async () => {
    expect(
      await run([{ oddQueryKey: [], oddCookieKey: [] }], { oddQueryKey: "q", oddCookieKey: "c" }),
    ).toEqual({
      success: true,
      payload: { ok: true },
    });
    expect(api.last().url).toBe("/things?q=x&k%EF%BF%BDey=q");
    expect(api.last().headers.cookie).toBe("theme=dark; s%EF%BF%BDid=c");
  });

  it("treats a stored API key header the client sets itself (Host) as an unsupported scheme", async () => {
    const result = await run([{ hostKey: [] }], { hostKey: "evil.example" });
    expect(result).toMatchObject({
      success: false,
      errorCode: "MISSING_CREDENTIALS",
      error: "the connection lacks credentials for op: it needs an unsupported scheme (hostKey)",
    });
    expect(api.server.requests).toHaveLength(0);
  });

  it("sends a bearer token", async () => {
    await run([{ bearer: [] }], { bearerToken: "tok-1" });
    expect(api.last().headers.authorization).toBe("Bearer tok-1");
  });

  it("sends basic credentials as base64 of username:password (UTF-8)", async () => {
    await run([{ basic: [] }], { username: "ann", password: "pä:ss" });
    expect(api.last().headers.authorization).toBe(`Basic ${Buffer.from("ann:pä:ss").toString("base64")}`);
  });

  it.each([
    ["bearer", "Bearer"],
    ["BEARER", "Bearer"],
    [undefined, "Bearer"],
    ["MAC", "MAC"],
    ["bad type", "Bearer"],
  ])("sends an OAuth access token with tokenType %j as %s", async (tokenType, scheme) => {
    await run([{ oauth: ["read"] }], {
      accessToken: "at-1",
      ...(tokenType !== undefined ? { tokenType } : {}),
    });
    expect(api.last().headers.authorization).toBe(`${scheme} at-1`);
  });

  it("keeps the credential when a header param has the same name (Petstore's api_key)", async () => {
    const plan = planOf(
      { params: [param({ in: "header", name: "X-API-Key", param: "key", style: "simple" })] },
      { securitySchemes: SCHEMES, security: [{ headerKey: [] }] },
    );
    await api.run(plan, "op", { key: "from-params" }, { headerKey: "from-connection" });
    expect(api.last().headers["x-api-key"]).toBe("from-connection");
  });
});

describe("choosing an alternative", () => {
  it("uses the first alternative the connection can satisfy", async () => {
    await run([{ oauth: [] }, { headerKey: [] }, { bearer: [] }], { headerKey: "k", bearerToken: "b" });
    expect(api.last().headers["x-api-key"]).toBe("k");
    expect(api.last().headers.authorization).toBeUndefined();
  });

  it("needs every scheme of an alternative (AND), else moves on", async () => {
    await run([{ headerKey: [], basic: [] }, { bearer: [] }], { headerKey: "k", bearerToken: "b" });
    expect(api.last().headers.authorization).toBe("Bearer b");
    expect(api.last().headers["x-api-key"]).toBeUndefined();
    api.reset();
    await run([{ headerKey: [], basic: [] }], { headerKey: "k", username: "u", password: "p" });
    expect(api.last().headers["x-api-key"]).toBe("k");
    expect(api.last().headers.authorization).toMatch(/^Basic /);
  });

  it("sends no credentials under an optional-auth alternative ({})", async () => {
    expect(await run([{ bearer: [] }, {}], {})).toMatchObject({ success: true });
    expect(api.last().headers.authorization).toBeUndefined();
  });

  it("prefers an alternative with credentials to an optional-auth one ({}) listed before it", async () => {
    expect(await run([{}, { headerKey: [] }], { headerKey: "k" })).toMatchObject({ success: true });
    expect(api.last().headers["x-api-key"]).toBe("k");
    api.reset();
    expect(await run([{}, { headerKey: [] }, { bearer: [] }], { bearerToken: "b" })).toMatchObject({
      success: true,
    });
    expect(api.last().headers.authorization).toBe("Bearer b");
    api.reset();
    expect(await run([{}, { headerKey: [] }], {})).toMatchObject({ success: true });
    expect(api.last().headers["x-api-key"]).toBeUndefined();
  });

  it("lets the operation's security override the document's, [] meaning none", async () => {
    await run([{ bearer: [] }], { bearerToken: "b", headerKey: "k" }, [{ headerKey: [] }]);
    expect(api.last().headers.authorization).toBeUndefined();
    expect(api.last().headers["x-api-key"]).toBe("k");
    api.reset();
    await run([{ bearer: [] }], { bearerToken: "b" }, []);
    expect(api.last().headers.authorization).toBeUndefined();
  });

  it("fails with MISSING_CREDENTIALS naming the fields each alternative needs, no values, sending nothing", async () => {
    const result = await run([{ basic: [] }, { headerKey: [], queryKey: [] }, { openId: [] }], {
      username: "ann-the-user",
      headerKey: "k-secret",
    });
    expect(result).toEqual({
      success: false,
      errorCode: "MISSING_CREDENTIALS",
      error:
        "the connection lacks credentials for op: it needs password, or queryKey, or an unsupported scheme (openId)",
    });
    expect(JSON.stringify(result)).not.toMatch(/ann-the-user|k-secret/);
    expect(api.server.requests).toHaveLength(0);
  });

  it("refuses a credential a header cannot carry without quoting it", async () => {
    const result = await run([{ bearer: [] }], { bearerToken: "tok\r\nX-Evil: 1" });
    expect(result).toMatchObject({ success: false, errorCode: "MISSING_CREDENTIALS" });
    expect(result.error).toContain("bearerToken (has characters a header cannot carry)");
    expect(result.error).not.toContain("tok");
    expect(api.server.requests).toHaveLength(0);
  });
});
