import { readFileSync } from "node:fs";
import { getOption, hasOption } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { access } from "../../gen/patchbay/v1/common_pb.ts";
import { DOCUMENTED_ERROR_CODES } from "../../scripts/openapi/error-responses.ts";
import { HTTP_STATUS_BY_CODE } from "../../src/protocol/http-status.ts";
import type { HttpBinding } from "../../src/server/rest/http-rules.ts";
import { collectBindings } from "../../src/server/rest/http-rules.ts";
import { REST_SERVICES } from "../../src/server/routes.ts";

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, unknown>;
  security?: unknown[];
  "x-patchbay-scope"?: string;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: {
    responses: Record<string, unknown>;
    schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }>;
  };
}

const gen = (file: string) => readFileSync(new URL(`../../gen/${file}`, import.meta.url), "utf8");
const jsonText = gen("openapi.json");
const document = JSON.parse(jsonText) as Document;
const bindings = collectBindings(REST_SERVICES);

// Independent of the generator: `{name=a/*/b/*}` becomes `a/{name}/b/{name_1}` (grpc-gateway openapiv3).
function expectedPath(binding: HttpBinding): string {
  return binding.template.source.replace(/\{([^}=]+)=([^}]+)\}/g, (_, name: string, pattern: string) => {
    let n = 0;
    return pattern
      .split("/")
      .map((s) => (s === "*" || s === "**" ? `{${n++ === 0 ? name : `${name}_${n - 1}`}}` : s))
      .join("/");
  });
}

const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
);
const operation = (id: string): Operation => {
  const found = operations.find((o) => o.operation.operationId === id);
  if (found === undefined) throw new Error(`no operation ${id}`);
  return found.operation;
};
const isPublic = (b: HttpBinding) => hasOption(b.method, access) && getOption(b.method, access).public;
const errorStatuses = (op: Operation) =>
  Object.keys(op.responses)
    .filter((s) => /^[45]\d\d$/.test(s))
    .map(Number)
    .sort((a, b) => a - b);
const snakeCase = (name: string) =>
  name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c : `_${c}`).toLowerCase());

describe("gen/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document for @readme/openapi-parser", async () => {
    const result = await validate(JSON.parse(jsonText));
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.specification).toBe("OpenAPI");
  });

  it("would be reported invalid if broken, so the validation above means something", async () => {
    const broken = JSON.parse(jsonText);
    broken.paths["/api/v1/connectors"].get.responses = "none";
    expect((await validate(broken)).valid).toBe(false);
  });

  it("is the same document as gen/openapi.yaml", () => {
    expect(parse(gen("openapi.yaml"))).toEqual(document);
  });

  it("has each google.api.http binding of the REST services exactly once, named <Service>_<Method>[_n]", () => {
    expect(bindings.length).toBeGreaterThan(30);
    for (const binding of bindings) {
      const id = `${binding.service.name}_${binding.method.name}${binding.index === 0 ? "" : `_${binding.index}`}`;
      const matches = operations.filter((o) => o.operation.operationId === id);
      expect(
        matches.map((m) => `${m.method.toUpperCase()} ${m.path}`),
        id,
      ).toEqual([`${binding.httpMethod} ${expectedPath(binding)}`]);
    }
  });

  it("has no operation that is not a binding", () => {
    const routed = new Set(bindings.map((b) => `${b.httpMethod} ${expectedPath(b)}`));
    const documented = operations.map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(documented.filter((d) => !routed.has(d))).toEqual([]);
    expect(documented).toHaveLength(bindings.length);
  });

  it("has the path of every additional binding, e.g. Execute by connector slug", () => {
    expect(operation("ExecuteService_Execute_1")).toBeDefined();
    expect(document.paths["/api/v1/connectors/{connector_slug}/execute"]?.post?.operationId).toBe(
      "ExecuteService_Execute_1",
    );
    expect(document.paths["/api/v1/jobs:claim"]?.post?.operationId).toBe("WebhookService_ClaimJobs");
  });

  it("marks public RPCs `security: []` and gives every other operation its scope", () => {
    const publicIds = bindings.filter(isPublic).map((b) => `${b.service.name}_${b.method.name}`);
    expect(publicIds.sort()).toEqual([
      "ConnectionService_CompleteOAuth",
      "ConnectionService_OpenOAuthLink",
      "WebhookService_ReceiveEvent",
      "WebhookService_VerifyEndpoint",
    ]);
    for (const { operation: op } of operations) {
      if (publicIds.includes(op.operationId)) {
        expect(op.security, op.operationId).toEqual([]);
        expect(op["x-patchbay-scope"]).toBeUndefined();
      } else {
        expect(op.security, op.operationId).toBeUndefined();
        expect(op["x-patchbay-scope"], op.operationId).toMatch(/^[a-z:]+$/);
      }
    }
    expect(operation("CatalogService_ListConnectors")["x-patchbay-scope"]).toBe("catalog:read");
  });

  it("documents 201 for StartConnection and the 302 redirect of StartOAuth", () => {
    expect(Object.keys(operation("ConnectionService_StartConnection").responses)).toContain("201");
    const redirect = operation("ConnectionService_StartOAuth").responses["302"] as Record<string, unknown>;
    expect(redirect.headers).toHaveProperty("Location");
    expect(redirect.content).toBeUndefined();
  });

  it("declares every path parameter in its path, and every path template has its parameter", () => {
    for (const { path, operation: op } of operations) {
      const declared = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(declared, `${op.operationId} ${path}`).toEqual(inPath);
      expect((op.parameters ?? []).filter((p) => p.in === "path").every((p) => p.required)).toBe(true);
    }
    const execute = operation("ExecuteService_Execute").parameters?.map((p) => p.name);
    expect(execute).toEqual(["connection_id"]);
  });

  it("documents the error statuses the status table gives the chosen codes, without 401/403 on public RPCs", () => {
    const chosen = [...new Set(DOCUMENTED_ERROR_CODES.map((c) => HTTP_STATUS_BY_CODE[c]))].sort(
      (a, b) => a - b,
    );
    expect(chosen).toEqual([400, 401, 403, 404, 429, 500, 503]);
    const publicIds = new Set(bindings.filter(isPublic).map((b) => `${b.service.name}_${b.method.name}`));
    for (const { operation: op } of operations) {
      const expected = publicIds.has(op.operationId) ? chosen.filter((s) => s !== 401 && s !== 403) : chosen;
      expect(errorStatuses(op), op.operationId).toEqual(expected);
      expect(op.responses.default).toEqual({ $ref: "#/components/responses/Error" });
    }
    expect(Object.keys(document.components.responses).sort()).toEqual(
      [...chosen.map((s) => `Error${s}`), "Error"].sort(),
    );
  });

  it("enumerates all 16 Connect codes in the Error schema", () => {
    const names = Object.keys(Code)
      .filter((k) => Number.isNaN(Number(k)))
      .map(snakeCase);
    expect(names).toHaveLength(16);
    expect(document.components.schemas.Error?.properties?.code?.enum?.slice().sort()).toEqual(names.sort());
  });

  it("gives ListConnectors its filters and paging as query parameters", () => {
    const params = operation("CatalogService_ListConnectors").parameters ?? [];
    expect(params.map((p) => `${p.in}:${p.name}`)).toEqual([
      "query:pageSize",
      "query:pageToken",
      "query:q",
      "query:category",
      "query:authType",
      "query:availability",
    ]);
  });

  it("flattens nested query messages with dotted JSON names (VerifyEndpoint's hub.*)", () => {
    const params = operation("WebhookService_VerifyEndpoint").parameters ?? [];
    expect(params.filter((p) => p.in === "query").map((p) => p.name)).toEqual([
      "hub.mode",
      "hub.challenge",
      "hub.verifyToken",
    ]);
  });

  it("takes ReceiveEvent's body raw, as */*", () => {
    const body = operation("WebhookService_ReceiveEvent").requestBody;
    expect(Object.keys(body?.content ?? {})).toEqual(["*/*"]);
  });
});
