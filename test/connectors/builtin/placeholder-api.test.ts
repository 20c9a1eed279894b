import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  PlaceholderApiError,
  placeholderApiConnector,
} from "../../../src/connectors/builtin/placeholder-api.ts";
import {
  BUILT_IN_DEFINITIONS,
  type ConnectorResult,
  executeDefinition,
  type JsonObject,
} from "../../../src/connectors/index.ts";
import { createOutboundClient } from "../../../src/outbound/index.ts";
import { type FakePlaceholderApi, startFakePlaceholderApi } from "./fake-placeholder-api.ts";

const apiKey = "pk_test_7f3c9a";

// The fake API listens on loopback, which the egress policy refuses unless allow-listed.
const outbound = createOutboundClient({ allow: ["127.0.0.1/32"] });
let api: FakePlaceholderApi;

beforeAll(async () => {
  api = await startFakePlaceholderApi(apiKey, 25);
});

afterAll(async () => {
  await api.close();
  await outbound.close();
});

beforeEach(() => {
  api.requests.length = 0;
});

function run(
  config: JsonObject,
  connection: JsonObject = { baseUrl: api.baseUrl, apiKey },
  options: { mockScenario?: string; signal?: AbortSignal } = {},
): Promise<ConnectorResult> {
  return executeDefinition(
    placeholderApiConnector,
    { config, connectorConfig: connection, variables: {}, stepId: "step-1", runId: "run-1", outbound },
    options,
  );
}

/** The ids of the posts in a listPosts payload, or undefined when there is no list. */
function postIds(result: ConnectorResult): number[] | undefined {
  const posts = result.payload?.posts;
  return Array.isArray(posts) ? (posts as { id: number }[]).map((post) => post.id) : undefined;
}

function expectNoKey(result: ConnectorResult): void {
  expect(JSON.stringify(result)).not.toContain(apiKey);
}

describe("placeholder-api: test", () => {
  it("reaches /health with the API key as a bearer token", async () => {
    expect(await run({ command: "test" })).toStrictEqual({ success: true, payload: { reachable: true } });
    expect(api.requests).toStrictEqual([
      { method: "GET", path: "/health", query: {}, authorization: `Bearer ${apiKey}`, body: undefined },
    ]);
  });

  it("maps a refused API key to a 401 Placeholder API error without echoing the key", async () => {
    const result = await run({ command: "test" }, { baseUrl: api.baseUrl, apiKey: "pk_wrong_1234" });
    expect(result).toStrictEqual({
      success: false,
      error: "Placeholder API error (401)",
      diagnostics: { status: 401 },
    });
    expect(JSON.stringify(result)).not.toContain("pk_wrong_1234");
  });

  it("accepts a base URL with a trailing slash", async () => {
    expect((await run({ command: "test" }, { baseUrl: `${api.baseUrl}/`, apiKey })).success).toBe(true);
    expect(api.requests.map((r) => r.path)).toStrictEqual(["/health"]);
  });

  it("refuses a base URL that is not http(s) without calling out", async () => {
    expect(await run({ command: "test" }, { baseUrl: "file:///etc/passwd", apiKey })).toStrictEqual({
      success: false,
      error: "baseUrl must be an absolute http or https URL",
    });
    expect(api.requests).toStrictEqual([]);
  });

  it("reports an unreachable API as a NETWORK failure naming only the host", async () => {
    // Port 1: nothing listens there (a just-closed port 0 could be taken again by a parallel test).
    const result = await run({ command: "test" }, { baseUrl: "http://127.0.0.1:1", apiKey });
    expect(result).toMatchObject({ success: false, errorCode: "NETWORK" });
    expect(result.error).toBe("Outbound request to 127.0.0.1 failed (ECONNREFUSED)");
    expectNoKey(result);
  });
});

describe("placeholder-api: listPosts", () => {
  it("lists the first page with the default page size and points at the next page", async () => {
    const result = await run({ command: "listPosts" });
    expect(result.success).toBe(true);
    expect(result.payload?.nextPage).toBe(2);
    expect(postIds(result)).toStrictEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.variables).toStrictEqual({ postCount: 10 });
    expect(api.requests[0]?.query).toStrictEqual({ _page: "1", _limit: "10" });
  });

  it("passes page and limit through and ends paging on the last page", async () => {
    const result = await run({ command: "listPosts", page: 3, limit: 10 });
    expect(postIds(result)).toStrictEqual([21, 22, 23, 24, 25]);
    expect(result.payload?.nextPage).toBeNull();
    expect(result.variables).toStrictEqual({ postCount: 5 });
    expect(api.requests[0]?.query).toStrictEqual({ _page: "3", _limit: "10" });
  });

  it("ends paging when the last page is exactly full", async () => {
    const result = await run({ command: "listPosts", page: 5, limit: 5 });
    expect(result.variables).toStrictEqual({ postCount: 5 });
    expect(result.payload?.nextPage).toBeNull();
  });

  it("guesses another page from a full page when the API sends no total count", async () => {
    const two = [
      { id: 1, userId: 1, title: "a", body: "a" },
      { id: 2, userId: 1, title: "b", body: "b" },
    ];
    api.answerNext({ status: 200, body: two });
    expect((await run({ command: "listPosts", limit: 2 })).payload?.nextPage).toBe(2);
    api.answerNext({ status: 200, body: two });
    expect((await run({ command: "listPosts", limit: 3 })).payload?.nextPage).toBeNull();
  });

  it.each([
    [{ page: 0 }, "page must be a whole number from 1"],
    [{ page: 1.5 }, "page must be a whole number from 1"],
    [{ limit: 0 }, "limit must be a whole number from 1 to 100"],
    [{ limit: 101 }, "limit must be a whole number from 1 to 100"],
  ])("refuses paging %j without calling out", async (paging, error) => {
    expect(await run({ command: "listPosts", ...paging })).toStrictEqual({ success: false, error });
    expect(api.requests).toStrictEqual([]);
  });

  it("refuses a page that is not a number before the handler runs", async () => {
    const result = await run({ command: "listPosts", page: "two" });
    expect(result).toStrictEqual({
      success: false,
      error: "Invalid field(s): page must be a number",
      errorCode: "INVALID_PARAMS",
    });
  });

  it("maps a 500 through errorMap to a status-only failure", async () => {
    api.answerNext({ status: 500, body: { error: `internal stack trace mentioning ${apiKey}` } });
    const result = await run({ command: "listPosts" });
    expect(result).toStrictEqual({
      success: false,
      error: "Placeholder API error (500)",
      diagnostics: { status: 500 },
    });
    expectNoKey(result);
  });

  it("fails a 429 with the retry delay the API asked for", async () => {
    api.answerNext({ status: 429, headers: { "retry-after": "30" }, body: { error: "slow down" } });
    expect(await run({ command: "listPosts" })).toStrictEqual({
      success: false,
      error: "Placeholder API rate limit reached",
      diagnostics: { status: 429, retryAfterSeconds: 30 },
    });
  });

  it("fails a 429 without retry metadata when the API gives none", async () => {
    api.answerNext({ status: 429 });
    expect(await run({ command: "listPosts" })).toStrictEqual({
      success: false,
      error: "Placeholder API rate limit reached",
      diagnostics: { status: 429 },
    });
  });

  it("fails when the API answers something other than a list of posts", async () => {
    api.answerNext({ status: 200, body: { posts: "nope" } });
    expect(await run({ command: "listPosts" })).toStrictEqual({
      success: false,
      error: "Placeholder API returned an unexpected body for /posts",
      diagnostics: { status: 200 },
    });
  });

  it("is the failure of a cancelled call", async () => {
    const result = await run({ command: "listPosts" }, undefined, { signal: AbortSignal.abort() });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/abort/i);
  });
});

describe("placeholder-api: createPost", () => {
  it("creates a post and returns it as the payload with its id as a variable", async () => {
    const result = await run({ command: "createPost", title: "Hi", body: "Text.", userId: 3 });
    expect(result).toStrictEqual({
      success: true,
      payload: { post: { id: 26, title: "Hi", body: "Text.", userId: 3 } },
      variables: { postId: 26 },
    });
    expect(api.requests).toStrictEqual([
      {
        method: "POST",
        path: "/posts",
        query: {},
        authorization: `Bearer ${apiKey}`,
        body: { title: "Hi", body: "Text.", userId: 3 },
      },
    ]);
  });

  it("names every missing required field and does not call out", async () => {
    expect(await run({ command: "createPost", userId: 3, body: "" })).toStrictEqual({
      success: false,
      error: "Missing required field(s): title, body",
      errorCode: "MISSING_REQUIRED_FIELDS",
    });
    expect(api.requests).toStrictEqual([]);
  });

  it("maps a 400 from the API through errorMap", async () => {
    api.answerNext({ status: 400, body: { error: "title too long" } });
    expect(await run({ command: "createPost", title: "Hi", body: "Text.", userId: 3 })).toStrictEqual({
      success: false,
      error: "Placeholder API error (400)",
      diagnostics: { status: 400 },
    });
  });

  it("fails when the created post comes back without an id", async () => {
    api.answerNext({ status: 201, body: { ok: true } });
    const result = await run({ command: "createPost", title: "Hi", body: "Text.", userId: 3 });
    expect(result.error).toBe("Placeholder API returned an unexpected body for a created post");
  });
});

describe("placeholder-api: mock scenarios", () => {
  it.each([
    [{ command: "test" }, "default", { success: true, payload: { reachable: true } }],
    [
      { command: "listPosts" },
      "default",
      {
        success: true,
        payload: {
          posts: [
            { id: 1, userId: 1, title: "Hello", body: "First post." },
            { id: 2, userId: 1, title: "Again", body: "Second post." },
          ],
          nextPage: null,
        },
        variables: { postCount: 2 },
      },
    ],
    [
      { command: "listPosts" },
      "empty",
      { success: true, payload: { posts: [], nextPage: null }, variables: { postCount: 0 } },
    ],
    [
      { command: "createPost", title: "T", body: "B", userId: 9 },
      "default",
      {
        success: true,
        payload: { post: { id: 101, title: "T", body: "B", userId: 9 } },
        variables: { postId: 101 },
      },
    ],
  ])("answers %j from scenario %s without calling the API", async (config, mockScenario, expected) => {
    expect(await run(config, undefined, { mockScenario })).toStrictEqual(expected);
    expect(api.requests).toStrictEqual([]);
  });
});

describe("placeholder-api: definition", () => {
  it("is registered as a built-in", () => {
    expect(BUILT_IN_DEFINITIONS).toContain(placeholderApiConnector);
  });

  it("maps only its own error class", () => {
    expect(placeholderApiConnector.errorMap(new PlaceholderApiError(503))).toStrictEqual({
      error: "Placeholder API error (503)",
      diagnostics: { status: 503 },
    });
    expect(placeholderApiConnector.errorMap(new Error("other"))).toBeNull();
  });
});
