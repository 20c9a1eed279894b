import { describe, expect, it } from "vitest";
import { githubConnector } from "../../../../src/connectors/builtin/providers/github.ts";
import type { JsonObject } from "../../../../src/connectors/index.ts";
import { classifyFailure } from "../../../../src/execute/index.ts";
import { expectNoSecrets, jsonOf, onlyRequest, useFakeProvider } from "./fake-provider.ts";

const accessToken = "gho_secretGitHubOAuthToken0123456789";

const api = useFakeProvider();

const run = (config: JsonObject) =>
  api.run(githubConnector, config, { baseUrl: api.baseUrl, accessToken, tokenType: "bearer" });

const issue = {
  id: 1,
  number: 1347,
  title: "Found a bug",
  state: "open",
  html_url: "https://github.com/octocat/Hello-World/issues/1347",
};

describe("github: createIssue", () => {
  it("posts the issue to /repos/{owner}/{repo}/issues with GitHub's headers", async () => {
    api.answer(201, issue);
    const result = await run({
      command: "createIssue",
      owner: "octocat",
      repo: "Hello-World",
      title: "Found a bug",
      body: "Steps to reproduce",
      labels: "bug, triage",
      assignees: "octocat",
    });
    expect(result).toStrictEqual({
      success: true,
      payload: { issue },
      variables: { issueNumber: 1347, issueUrl: issue.html_url },
    });
    const request = onlyRequest(api);
    expect([request.method, request.url]).toStrictEqual(["POST", "/repos/octocat/Hello-World/issues"]);
    expect(request.headers.authorization).toBe(`Bearer ${accessToken}`);
    expect(request.headers.accept).toBe("application/vnd.github+json");
    expect(request.headers["x-github-api-version"]).toBe("2022-11-28");
    expect(request.headers["user-agent"]).toBe("Patchbay");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(jsonOf(request)).toStrictEqual({
      title: "Found a bug",
      body: "Steps to reproduce",
      labels: ["bug", "triage"],
      assignees: ["octocat"],
    });
  });

  it("maps a 401 to an upstream auth failure without GitHub's message or the token", async () => {
    api.answer(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
    const result = await run({ command: "createIssue", owner: "octocat", repo: "Hello-World", title: "x" });
    expect(result).toStrictEqual({
      success: false,
      error: "GitHub API error (401)",
      diagnostics: { status: 401 },
    });
    expect(classifyFailure(result)).toBe("upstream_auth");
    expectNoSecrets(result, accessToken, "Bad credentials");
  });

  it("classifies a 403 with an exhausted rate limit as rate limited", async () => {
    api.answer(
      403,
      { message: "API rate limit exceeded" },
      { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000000" },
    );
    const result = await run({ command: "createIssue", owner: "octocat", repo: "Hello-World", title: "x" });
    expect(result).toStrictEqual({
      success: false,
      error: "GitHub rate limit reached (429)",
      diagnostics: { status: 429, httpStatus: 403 },
    });
    expect(classifyFailure(result)).toBe("upstream_rate_limited");
  });

  it("classifies a secondary rate limit (403 with Retry-After) as rate limited", async () => {
    api.answer(403, { message: "You have exceeded a secondary rate limit" }, { "retry-after": "60" });
    const result = await run({ command: "createIssue", owner: "octocat", repo: "Hello-World", title: "x" });
    expect(result.diagnostics).toStrictEqual({ status: 429, httpStatus: 403, retryAfterSeconds: 60 });
  });

  it("keeps a plain 403 (no access to the repository) as an auth failure", async () => {
    api.answer(
      403,
      { message: "Resource not accessible by integration" },
      { "x-ratelimit-remaining": "4999" },
    );
    expect(classifyFailure(await run({ command: "createIssue", owner: "o", repo: "r", title: "x" }))).toBe(
      "upstream_auth",
    );
  });

  it("refuses owner and repo names that could rewrite the path, before calling out", async () => {
    expect((await run({ command: "createIssue", owner: "octocat", repo: "..", title: "x" })).error).toBe(
      "repo must be a GitHub repository name",
    );
    expect((await run({ command: "createIssue", owner: "a/b", repo: "r", title: "x" })).error).toBe(
      "owner must be a GitHub user or organization name",
    );
    expect(api.requests).toStrictEqual([]);
  });
});

describe("github: getIssue and listRepositoryIssues", () => {
  it("reads one issue", async () => {
    api.answer(200, issue);
    expect(
      await run({ command: "getIssue", owner: "octocat", repo: "Hello-World", issueNumber: 1347 }),
    ).toStrictEqual({
      success: true,
      payload: { issue },
    });
    const request = onlyRequest(api);
    expect([request.method, request.url]).toStrictEqual(["GET", "/repos/octocat/Hello-World/issues/1347"]);
  });

  it("maps a 404 to a command failure", async () => {
    api.answer(404, { message: "Not Found" });
    const result = await run({ command: "getIssue", owner: "octocat", repo: "Hello-World", issueNumber: 9 });
    expect(result).toStrictEqual({
      success: false,
      error: "GitHub API error (404)",
      diagnostics: { status: 404 },
    });
    expect(classifyFailure(result)).toBe("command_failed");
  });

  it("lists a page with state, labels and paging and reads the next page from Link", async () => {
    const link = `<${api.baseUrl}/repositories/1/issues?state=closed&per_page=2&page=3>; rel="next", <${api.baseUrl}/repositories/1/issues?page=9>; rel="last"`;
    api.answer(200, [issue, { ...issue, number: 1346 }], { link });
    const result = await run({
      command: "listRepositoryIssues",
      owner: "octocat",
      repo: "Hello-World",
      state: "closed",
      labels: "bug",
      perPage: 2,
      page: 2,
    });
    expect(result.payload?.nextPage).toBe(3);
    expect(result.variables).toStrictEqual({ issueCount: 2 });
    const url = new URL(onlyRequest(api).url, api.baseUrl);
    expect(url.pathname).toBe("/repos/octocat/Hello-World/issues");
    expect(Object.fromEntries(url.searchParams)).toStrictEqual({
      state: "closed",
      labels: "bug",
      per_page: "2",
      page: "2",
    });
  });

  it("ends paging without a next link", async () => {
    api.answer(200, []);
    expect((await run({ command: "listRepositoryIssues", owner: "o", repo: "r" })).payload).toStrictEqual({
      issues: [],
      nextPage: null,
    });
  });

  it("answers every command from its default mock without calling out", async () => {
    for (const command of Object.keys(githubConnector.commands)) {
      const result = await api.run(
        githubConnector,
        { command, owner: "o", repo: "r", title: "t", issueNumber: 1 },
        { accessToken },
        { mockScenario: "default" },
      );
      expect(result.success, command).toBe(true);
    }
    expect(api.requests).toStrictEqual([]);
  });
});
