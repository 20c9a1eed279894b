import { describe, expect, it } from "vitest";
import type { OpenApiPlan } from "../../../src/connectors/openapi/openapi-plan.ts";
import { parseOpenApi } from "../../../src/connectors/openapi/parse-openapi.ts";
import { fixture, PUBLISHED, publishedFixture } from "./fixtures.ts";

// Published descriptions shipped in npm packages: GitHub's REST API and GitHub Enterprise Server 2.21
// (@octokit/routes), and Rebilly's (the benchmark document of @redocly/openapi-core).
describe("parseOpenApi on large published descriptions", () => {
  it("imports GitHub's REST API: 608 operations, baseUrl, body params", async () => {
    const draft = await parseOpenApi(fixture("@octokit/routes/api.github.com.json"));
    expect(draft.operations).toHaveLength(608);
    expect(Object.keys(draft.configSchema.commands ?? {})).toHaveLength(608);
    expect(draft.name).toBe("github-v3-rest-api");
    expect(draft.openapi.baseUrl).toBe("https://api.github.com");
    const create = draft.configSchema.commands?.issuesCreate;
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
    expect(create?.paramSchema?.owner).toEqual({ type: "string", required: true });
    expect(create?.outputs).toContain("number");
    expect(draft.openapi.operations.issuesCreate).toMatchObject({
      operationId: "issues/create",
      method: "POST",
      path: "/repos/{owner}/{repo}/issues",
      body: { mediaType: "application/json" },
    });
    expect(draft.configSchema.commands?.reposGetContent?.paramSchema?.path).toEqual({
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

  it("imports Rebilly's API: 355 operations, three security schemes, deep shared schemas by reference", async () => {
    const draft = await parseOpenApi(fixture("@redocly/openapi-core/src/benchmark/benches/rebilly.yaml"));
    expect(draft.operations).toHaveLength(355);
    expect(draft.openapi.securitySchemes).toEqual({
      JWT: { type: "bearer", field: "bearerToken" },
      PublishableApiKey: { type: "apiKey", in: "header", name: "Authorization", field: "publishableApiKey" },
      SecretApiKey: { type: "apiKey", in: "header", name: "REB-APIKEY", field: "secretApiKey" },
    });
    expect(draft.authType).toBe("api_key");
    // Its deeply shared schemas were cut at the copy depth limit (156 parts) when each use was a copy.
    expect(draft.warnings.filter((w) => w.includes("depth limit"))).toEqual([]);
    expectEveryReferenceResolves(draft.openapi);
  });
});

/** Every `{"$ref": "#/schemas/<name>"}` of a plan names an entry of its `schemas`. */
function expectEveryReferenceResolves(plan: OpenApiPlan): void {
  const refs = [...JSON.stringify(plan).matchAll(/"\$ref":"#\/schemas\/([^"]+)"/g)].map((m) => m[1] ?? "");
  expect(refs.length).toBeGreaterThan(0);
  expect(refs.filter((name) => !Object.hasOwn(plan.schemas ?? {}, name))).toEqual([]);
}

// The two descriptions of issue 16 (test/fixtures/openapi/): their plans were 123 MiB and 5.5 MiB.
describe("parseOpenApi on the published descriptions that took the service down", () => {
  it("imports DocuSign's 2.7 MB description into a plan smaller than the document", async () => {
    const text = publishedFixture(PUBLISHED.docusign);
    const draft = await parseOpenApi(text);
    expect(draft.operations).toHaveLength(402);
    const plan = JSON.stringify(draft.openapi);
    expect(plan.length).toBeLessThan(text.length / 2);
    expect(draft.openapi.schemas).toHaveProperty("EnvelopeRecipients");
    expectEveryReferenceResolves(draft.openapi);
    // Its envelope body is a requestBody the parser leaves as a $ref (the schemas under it recur):
    // the body is still flattened into params, not dropped.
    const create = draft.openapi.operations.envelopesPostEnvelopes;
    expect(create?.body).toEqual({ mediaType: "application/json", required: false });
    expect(create?.params.find((p) => p.param === "recipients")).toMatchObject({
      in: "body",
      schema: { $ref: "#/schemas/EnvelopeRecipients" },
    });
  }, 120_000);

  it("imports Google Wallet's description into a plan of a similar size as the document", async () => {
    const text = publishedFixture(PUBLISHED.walletobjects);
    const draft = await parseOpenApi(text);
    expect(draft.operations).toHaveLength(97);
    expect(JSON.stringify(draft.openapi).length).toBeLessThan(text.length * 1.5);
    expectEveryReferenceResolves(draft.openapi);
  }, 60_000);
});
