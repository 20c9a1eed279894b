import { describe, expect, it } from "vitest";
import { parseOpenApi } from "../../../src/connectors/openapi/parse-openapi.ts";
import { fixture } from "./fixtures.ts";

// Published descriptions shipped in npm packages: GitHub's REST API and GitHub Enterprise Server 2.21
// (@octokit/routes), and Rebilly's (the benchmark document of @redocly/openapi-core).
describe("parseOpenApi on large published descriptions", () => {
  it("imports GitHub's REST API: 608 operations, baseUrl, body params", async () => {
    const draft = await parseOpenApi(fixture("@octokit/routes/api.github.com.json"));
    expect(draft.operations).toHaveLength(608);
    expect(Object.keys(draft.configSchema.commands)).toHaveLength(608);
    expect(draft.name).toBe("github-v3-rest-api");
    expect(draft.openapi.baseUrl).toBe("https://api.github.com");
    const create = draft.configSchema.commands.issuesCreate;
    expect(create?.params).toEqual([
      "owner",
      "repo",
      "title",
      "body",
      "assignee",
      "milestone",
      "labels",
      "assignees",
    ]);
    expect(create?.paramSchema.owner).toEqual({ type: "string", required: true });
    expect(create?.outputs).toContain("number");
    expect(draft.openapi.operations.issuesCreate).toMatchObject({
      operationId: "issues/create",
      method: "POST",
      path: "/repos/{owner}/{repo}/issues",
      body: { mediaType: "application/json" },
    });
    expect(draft.configSchema.commands.reposGetContent?.paramSchema.path).toEqual({
      type: "string",
      required: true,
    });
    // OpenAPI ignores Accept header params (GitHub declares one on nearly every operation): skipped
    // silently; other headers Patchbay sets itself are skipped with a warning.
    expect(draft.warnings).toEqual([
      "POST /markdown/raw: header parameter 'content-type' is set by Patchbay and was skipped",
      "POST /repos/{owner}/{repo}/releases/{release_id}/assets: header parameter 'content-length' is set by Patchbay and was skipped",
      "POST /repos/{owner}/{repo}/releases/{release_id}/assets: header parameter 'content-type' is set by Patchbay and was skipped",
    ]);
  });

  it("imports GitHub Enterprise Server 2.21: 546 operations, the hostname variable substituted", async () => {
    const draft = await parseOpenApi(fixture("@octokit/routes/ghe-2.21.json"), { name: "ghes" });
    expect(draft.name).toBe("ghes");
    expect(draft.operations).toHaveLength(546);
    expect(draft.openapi.baseUrl).toBe("http://HOSTNAME");
  });

  it("imports Rebilly's API: 355 operations, three security schemes, deep schemas cut", async () => {
    const draft = await parseOpenApi(fixture("@redocly/openapi-core/src/benchmark/benches/rebilly.yaml"));
    expect(draft.operations).toHaveLength(355);
    expect(draft.openapi.securitySchemes).toEqual({
      JWT: { type: "bearer", field: "bearerToken" },
      PublishableApiKey: { type: "apiKey", in: "header", name: "Authorization", field: "publishableApiKey" },
      SecretApiKey: { type: "apiKey", in: "header", name: "REB-APIKEY", field: "secretApiKey" },
    });
    expect(draft.authType).toBe("api_key");
    expect(draft.warnings).toContain("156 schema parts nested more than the copy depth limit were cut");
    expect(JSON.stringify(draft.openapi)).not.toContain('"$ref"');
  });
});
