import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { CLIENT_TYPES_PATH, generateClientTypes } from "./generate-client-types.ts";

// Virtual files next to the real ones, so that "openapi-fetch" resolves from the project's node_modules.
const dir = fileURLToPath(new URL("./", import.meta.url));
const TYPES = `${dir}__virtual__/patchbay-api.d.ts`;
const USAGE = `${dir}__virtual__/usage.ts`;

const USAGE_SOURCE = `import createClient from "openapi-fetch";
import type { paths } from "./patchbay-api.d.ts";

const client = createClient<paths>({ baseUrl: "http://127.0.0.1:1" });

export async function use(): Promise<unknown[]> {
  const list = await client.GET("/api/v1/connectors", { params: { query: { pageSize: 10, q: "git" } } });
  const slugs: (string | undefined)[] | undefined = list.data?.connectors?.map((c) => c.slug);
  const one = await client.GET("/api/v1/connectors/{slug}", { params: { path: { slug: "http" } } });
  const code: string | undefined = one.error?.code;
  const created = await client.POST("/api/v1/connectors", { body: { name: "acme", executionModel: "script" } });
  const execute = await client.POST("/api/v1/connections/{connection_id}/execute", {
    params: { path: { connection_id: "c1" } },
    body: { command: "listIssues", params: { state: "open" } },
  });
  // @ts-expect-error: not a path of the document
  await client.GET("/api/v1/nope");
  // @ts-expect-error: a body field of the wrong type
  await client.POST("/api/v1/connectors", { body: { name: 42 } });
  // @ts-expect-error: the path parameter is required
  await client.GET("/api/v1/connectors/{slug}", { params: { path: {} } });
  return [slugs, code, created.data?.connector?.slug, execute.data?.executionId];
}
`;

function typeCheck(files: Record<string, string>): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    noEmit: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile, directoryExists } = host;
  host.fileExists = (name) => name in files || fileExists.call(host, name);
  host.directoryExists = (name) =>
    Object.keys(files).some((f) => f.startsWith(`${name}/`)) || (directoryExists?.call(host, name) ?? false);
  host.readFile = (name) => files[name] ?? readFile.call(host, name);
  host.getSourceFile = (name, version, ...rest) => {
    const text = files[name];
    return text === undefined
      ? getSourceFile.call(host, name, version, ...rest)
      : ts.createSourceFile(name, text, version, true);
  };
  const program = ts.createProgram(Object.keys(files), options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || d.file.fileName in files)
    .map((d) => {
      const line =
        d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${d.file?.fileName ?? ""}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
}

describe("a client generated from gen/openapi.json", () => {
  let types: string;
  beforeAll(async () => {
    types = await generateClientTypes();
  });

  it("has every operation under its path", () => {
    for (const text of [
      '"/api/v1/connectors/{slug}": {',
      '"/api/v1/connections/{connection_id}/execute": {',
      '"/api/v1/jobs:claim": {',
      "CatalogService_ListConnectors: {",
      "ExecuteService_Execute_1: {",
      '"patchbay.v1.Connector": {',
    ]) {
      expect(types).toContain(text);
    }
  });

  it("is the committed test/openapi/patchbay-api.d.ts (update with -u after `npm run gen`)", async () => {
    await expect(types).toMatchFileSnapshot(CLIENT_TYPES_PATH);
  });

  it("type-checks typed openapi-fetch calls and rejects wrong ones", () => {
    expect(typeCheck({ [TYPES]: types, [USAGE]: USAGE_SOURCE })).toEqual([]);
    // The TypeScript compiler takes seconds on a quiet machine and minutes on a loaded one.
  }, 300_000);

  it("would report a call the document does not allow, so the check above means something", () => {
    const wrong = USAGE_SOURCE.replace('{ slug: "http" }', "{ slug: 42 }");
    expect(typeCheck({ [TYPES]: types, [USAGE]: wrong }).join("\n")).toMatch(
      /number.*not assignable.*string/s,
    );
  }, 300_000);
});
