import { describe, expect, it } from "vitest";
import { linearConnector } from "../../../../src/connectors/builtin/providers/linear.ts";
import type { JsonObject } from "../../../../src/connectors/index.ts";
import { classifyFailure } from "../../../../src/execute/index.ts";
import { expectNoSecrets, jsonOf, onlyRequest, useFakeProvider } from "./fake-provider.ts";

const apiKey = "lin_api_secretLinearKey0123456789";

const api = useFakeProvider();

const run = (config: JsonObject) => api.run(linearConnector, config, { baseUrl: api.baseUrl, apiKey });

const gqlError = (type: string, message: string, code?: string) => ({
  errors: [{ message, extensions: { type, userPresentableMessage: message, ...(code ? { code } : {}) } }],
  data: null,
});

describe("linear: createIssue", () => {
  it("posts the issueCreate mutation to /graphql with the key as Authorization", async () => {
    const issue = {
      id: "9cfb482a",
      identifier: "ENG-123",
      title: "Fix login",
      url: "https://linear.app/acme/issue/ENG-123",
    };
    api.answer(200, { data: { issueCreate: { success: true, issue } } });
    const result = await run({
      command: "createIssue",
      teamId: "team-1",
      title: "Fix login",
      description: "It fails",
      priority: 2,
    });
    expect(result).toStrictEqual({
      success: true,
      payload: { issue },
      variables: { issueId: "9cfb482a", issueIdentifier: "ENG-123" },
    });
    const request = onlyRequest(api);
    expect([request.method, request.url]).toStrictEqual(["POST", "/graphql"]);
    expect(request.headers.authorization).toBe(apiKey);
    expect(request.headers["content-type"]).toBe("application/json");
    const body = jsonOf(request) as { query: string; variables: JsonObject };
    expect(body.query).toMatch(/^mutation IssueCreate\(\$input: IssueCreateInput!\)/);
    expect(body.variables).toStrictEqual({
      input: { teamId: "team-1", title: "Fix login", description: "It fails", priority: 2 },
    });
  });

  it("classifies an authentication error (on a 400) as an upstream auth failure without the key", async () => {
    api.answer(
      400,
      gqlError("authentication error", "Authentication required, not authenticated", "AUTHENTICATION_ERROR"),
    );
    const result = await run({ command: "createIssue", teamId: "t", title: "x" });
    expect(result).toStrictEqual({
      success: false,
      error: "Linear API error (401)",
      diagnostics: { status: 401, httpStatus: 400, code: "AUTHENTICATION_ERROR" },
    });
    expect(classifyFailure(result)).toBe("upstream_auth");
    expectNoSecrets(result, apiKey, "not authenticated");
  });

  it("classifies a ratelimited error as rate limited", async () => {
    api.answer(400, gqlError("ratelimited", "Rate limit exceeded"));
    const result = await run({ command: "createIssue", teamId: "t", title: "x" });
    expect(result).toStrictEqual({
      success: false,
      error: "Linear rate limit reached (429)",
      diagnostics: { status: 429, httpStatus: 400, code: "ratelimited" },
    });
    expect(classifyFailure(result)).toBe("upstream_rate_limited");
  });

  it("fails an invalid input reported on a 200 as the command failing, without the message", async () => {
    api.answer(200, gqlError("invalid input", "Argument Validation Error: title 'secret plan' too long"));
    const result = await run({ command: "createIssue", teamId: "t", title: "secret plan" });
    expect(result).toStrictEqual({
      success: false,
      error: "Linear API error (400)",
      diagnostics: { status: 400, httpStatus: 200, code: "invalid_input" },
    });
    expect(classifyFailure(result)).toBe("command_failed");
    expectNoSecrets(result, "secret plan");
  });

  it("fails when issueCreate reports no success", async () => {
    api.answer(200, { data: { issueCreate: { success: false, issue: null } } });
    expect((await run({ command: "createIssue", teamId: "t", title: "x" })).error).toBe(
      "Linear returned an unexpected body for issueCreate",
    );
  });

  it("refuses a priority outside 0 to 4 before calling out", async () => {
    expect((await run({ command: "createIssue", teamId: "t", title: "x", priority: 7 })).error).toBe(
      "priority must be a whole number from 0 to 4",
    );
    expect(api.requests).toStrictEqual([]);
  });
});

describe("linear: getViewer, listTeams and test", () => {
  const viewer = { id: "u1", name: "Ada Lovelace", displayName: "ada", email: "ada@example.com" };

  it("reads the viewer", async () => {
    api.answer(200, { data: { viewer } });
    expect(await run({ command: "getViewer" })).toStrictEqual({ success: true, payload: { viewer } });
    expect((jsonOf(onlyRequest(api)) as { query: string }).query).toContain("viewer {");
  });

  it("lists teams with the page size and cursor and returns the next cursor", async () => {
    const nodes = [{ id: "team-1", key: "ENG", name: "Engineering" }];
    api.answer(200, { data: { teams: { nodes, pageInfo: { hasNextPage: true, endCursor: "c2" } } } });
    expect(await run({ command: "listTeams", first: 1, after: "c1" })).toStrictEqual({
      success: true,
      payload: { teams: nodes, nextCursor: "c2" },
    });
    expect((jsonOf(onlyRequest(api)) as { variables: JsonObject }).variables).toStrictEqual({
      first: 1,
      after: "c1",
    });
  });

  it("maps a 500 to an unavailable upstream", async () => {
    api.answer(500, "oops");
    expect(classifyFailure(await run({ command: "listTeams" }))).toBe("upstream_unavailable");
  });

  it("tests the key with the viewer query", async () => {
    api.answer(200, { data: { viewer } });
    expect(await run({ command: "test" })).toStrictEqual({ success: true, payload: { reachable: true } });
  });

  it("answers every command from its default mock without calling out", async () => {
    for (const command of Object.keys(linearConnector.commands)) {
      const result = await api.run(
        linearConnector,
        { command, teamId: "t", title: "x" },
        { apiKey },
        { mockScenario: "default" },
      );
      expect(result.success, command).toBe(true);
    }
    expect(api.requests).toStrictEqual([]);
  });
});
