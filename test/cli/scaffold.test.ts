import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorNames } from "../../src/cli/scaffold/connector-names.ts";
import { renderConnector } from "../../src/cli/scaffold/connector-template.ts";
import { compareModuleNames, registerBuiltIn } from "../../src/cli/scaffold/register-built-in.ts";
import { ScaffoldError, scaffoldConnector } from "../../src/cli/scaffold.ts";
import type { ConnectorDefinition } from "../../src/connectors/define/define-connector.ts";
import { executeDefinition } from "../../src/connectors/define/dispatcher.ts";
import { createOutboundClient } from "../../src/outbound/index.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const INDEX = "src/connectors/builtin/index.ts";
const ACME = "src/connectors/builtin/acme-crm.ts";
const LONG_NAME = `a${"-b2".repeat(21)}`; // 64 characters

const copies: string[] = [];

/** A throwaway copy of what scaffolding, type-checking and linting need; node_modules is linked. */
async function copyProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "patchbay-scaffold-"));
  copies.push(dir);
  for (const part of ["package.json", "tsconfig.json", "biome.json", "bin", "src", "gen"]) {
    await cp(join(root, part), join(dir, part), { recursive: true });
  }
  await symlink(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cwd: string, file: string, args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [file, ...args], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr });
    });
  });
}

const patchbay = (cwd: string, ...args: string[]) => run(cwd, "bin/patchbay.js", args);
const read = (dir: string, file: string) => readFile(join(dir, file), "utf8");

/** The `./<module>.ts` imports of index.ts, and its BUILT_IN_DEFINITIONS entries, in file order. */
function registry(index: string): { modules: string[]; imports: string[]; entries: string[] } {
  const imports = [...index.matchAll(/^import \{ (\w+) \} from "\.\/([\w/-]+)\.ts";$/gm)];
  const list = /BUILT_IN_DEFINITIONS[^=]*=\s*\[([^\]]*)\]/.exec(index)?.[1] ?? "";
  return {
    modules: imports.map((match) => match[2] ?? ""),
    imports: imports.map((match) => match[1] ?? ""),
    entries: list
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ""),
  };
}

// The generated connector calls out through its context's client: the fake API below is on loopback,
// refused unless allow-listed.
const outbound = createOutboundClient({ allow: ["127.0.0.1/32"] });

function context(config: Record<string, unknown>, connectorConfig: Record<string, unknown> = {}) {
  return { config, connectorConfig, variables: {}, stepId: "step-1", runId: "run-1", outbound };
}

afterAll(async () => {
  await outbound.close();
  await Promise.all(copies.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("patchbay scaffold, in a copy of the project", () => {
  let dir = "";
  let originalIndex = "";
  let first: Run;

  beforeAll(async () => {
    dir = await copyProject();
    originalIndex = await read(dir, INDEX);
    first = await patchbay(dir, "scaffold", "acme-crm", "-d", "ACME CRM");
  });

  it("writes a typed defineConnector() stub and says what it did and what comes next", async () => {
    expect(first).toMatchObject({ code: 0, stderr: "" });
    expect(first.stdout).toContain(`created ${ACME}\n`);
    expect(first.stdout).toContain(`updated ${INDEX}`);
    expect(first.stdout).toContain("test/connectors/");
    expect(first.stdout).toContain("npm run check && npm test");
    const source = await read(dir, ACME);
    for (const line of [
      "export interface AcmeCrmConnection {",
      "export class AcmeCrmError extends Error {",
      "export const acmeCrmConnector = defineConnector({",
      '  name: "acme-crm",',
      '  version: "1.0.0",',
      '  description: "ACME CRM",',
      '  authType: "api_key",',
      "const listItemsParams = {",
      "    listItems: defineCommand<typeof listItemsParams, AcmeCrmConnection>({",
    ]) {
      expect(source).toContain(`${line}\n`);
    }
    // Written as Biome formats it, so the text is right even where the formatter is not installed.
    expect(source).toBe(renderConnector(connectorNames("acme-crm"), "ACME CRM"));
  });

  it("imports and lists the connector in alphabetical order, keeping every other line", async () => {
    const index = await read(dir, INDEX);
    const { modules, imports, entries } = registry(index);
    expect(modules).toContain("acme-crm");
    expect(modules).toEqual([...modules].sort(compareModuleNames));
    expect(entries).toEqual(imports);
    expect(index.indexOf('from "./acme-crm.ts"')).toBeLessThan(index.indexOf('from "./delay.ts"'));
    const kept = index
      .split("\n")
      .filter((line) => !line.includes("acmeCrmConnector"))
      .join("\n");
    expect(kept.replace(/\s+/g, "")).toBe(originalIndex.replace(/\s+/g, ""));
  });

  it("inserts a second connector between its neighbours", async () => {
    expect((await patchbay(dir, "scaffold", "beta-tool")).code).toBe(0);
    const index = await read(dir, INDEX);
    const { modules, imports, entries } = registry(index);
    expect(modules.indexOf("beta-tool")).toBe(modules.indexOf("acme-crm") + 1);
    expect(modules.indexOf("beta-tool")).toBeLessThan(modules.indexOf("delay"));
    expect(entries).toEqual(imports);
    expect(await read(dir, "src/connectors/builtin/beta-tool.ts")).toContain(
      'description: "Connector for Beta Tool.",',
    );
  });

  it("leaves index.ts byte-identical on a rerun and refuses to overwrite the handler", async () => {
    const index = await read(dir, INDEX);
    const handler = await read(dir, ACME);
    const again = await patchbay(dir, "scaffold", "acme-crm");
    expect(again).toMatchObject({ code: 1, stdout: "" });
    expect(again.stderr).toBe(`patchbay: ${ACME} exists; pass --force to overwrite\n`);
    expect(await read(dir, INDEX)).toBe(index);
    expect(await read(dir, ACME)).toBe(handler);
  });

  it("rewrites the handler with --force and leaves index.ts untouched", async () => {
    const index = await read(dir, INDEX);
    const handler = await read(dir, ACME);
    await writeFile(join(dir, ACME), `${handler}// local edits\n`);
    const forced = await patchbay(dir, "scaffold", "acme-crm", "-f", "--description", "ACME CRM");
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`rewritten ${ACME}\n`);
    expect(forced.stdout).toContain(`${INDEX} already registers acmeCrmConnector (unchanged)`);
    expect(await read(dir, ACME)).toBe(handler);
    expect(await read(dir, INDEX)).toBe(index);
  });

  it("takes the project root from --dir", async () => {
    const result = await run(root, join(dir, "bin/patchbay.js"), ["scaffold", LONG_NAME, "--dir", dir]);
    expect(result.code).toBe(0);
    expect(registry(await read(dir, INDEX)).modules).toContain(LONG_NAME);
  });

  it("type-checks and lints as generated, with the project's strict settings", async () => {
    const tsc = await run(dir, "node_modules/tsgo/bin/tsc", ["--noEmit", "-p", "tsconfig.json"]);
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.code).toBe(0);
    const biome = await run(dir, "node_modules/@biomejs/biome/bin/biome", [
      "check",
      "--vcs-enabled=false",
      "src/connectors/builtin",
    ]);
    expect(biome.stderr + biome.stdout).not.toMatch(/error/i);
    expect(biome.code).toBe(0);
  });

  describe("the generated connector", () => {
    let acme: ConnectorDefinition;
    let api: Server;
    let baseUrl = "";
    const seen: IncomingMessage[] = [];
    let status = 200;

    beforeAll(async () => {
      const module = (await import(pathToFileURL(join(dir, ACME)).href)) as {
        acmeCrmConnector: ConnectorDefinition;
      };
      acme = module.acmeCrmConnector;
      api = createServer((request, response) => {
        seen.push(request);
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(status < 400 ? [{ id: "a" }, { id: "b" }] : { message: "secret body" }));
      });
      await new Promise<void>((listening) => api.listen(0, "127.0.0.1", listening));
      baseUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/v1/`;
    });

    afterAll(() => new Promise<void>((closed) => api.close(() => closed())));

    it("answers from its mock scenarios", async () => {
      const list = context({ command: "listItems", limit: 1 });
      expect(await executeDefinition(acme, list, { mockScenario: "default" })).toEqual({
        success: true,
        payload: { items: [{ id: "item-1", name: "First item" }], total: 1 },
        variables: { itemCount: 1 },
      });
      expect(await executeDefinition(acme, list, { mockScenario: "empty" })).toEqual({
        success: true,
        payload: { items: [], total: 0 },
        variables: { itemCount: 0 },
      });
      expect(
        await executeDefinition(acme, context({ command: "test" }), { mockScenario: "default" }),
      ).toEqual({ success: true, payload: { ok: true } });
    });

    it("lists items from the API with the key as a bearer token and the default limit", async () => {
      status = 200;
      const result = await executeDefinition(
        acme,
        context({ command: "listItems" }, { baseUrl, apiKey: "k-123" }),
      );
      expect(result).toEqual({
        success: true,
        payload: { items: [{ id: "a" }, { id: "b" }], total: 2 },
        variables: { itemCount: 2 },
      });
      expect(seen.at(-1)?.url).toBe("/v1/items?limit=50");
      expect(seen.at(-1)?.headers.authorization).toBe("Bearer k-123");
    });

    it("reports an API error with fail() from listItems and through errorMap from test", async () => {
      status = 503;
      const connection = { baseUrl, apiKey: "k-123" };
      const failure = { success: false, error: "Acme Crm API error (503)", diagnostics: { status: 503 } };
      const listed = await executeDefinition(acme, context({ command: "listItems", limit: 5 }, connection));
      expect(listed).toEqual(failure);
      expect(seen.at(-1)?.url).toBe("/v1/items?limit=5");
      expect(await executeDefinition(acme, context({ command: "test" }, connection))).toEqual(failure);
      expect(seen.at(-1)?.url).toBe("/v1/me");
    });
  });
});

describe("patchbay scaffold refuses", () => {
  let dir = "";
  let index = "";

  beforeAll(async () => {
    dir = await copyProject();
    index = await read(dir, INDEX);
  });

  it.each(["Acme", "acme_crm", "-x", "1abc", "acme-", "acme--crm", `${LONG_NAME}3`])(
    "the name %j, with exit status 2",
    async (name) => {
      const error = await scaffoldConnector({ dir, name }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ScaffoldError);
      expect((error as ScaffoldError).exitCode).toBe(2);
      const cli = await patchbay(dir, "scaffold", "--", name);
      expect(cli.code).toBe(2);
      expect(cli.stderr).toMatch(
        /^patchbay: connector name (".*" )?must be (kebab-case[^\n]*|at most 64 characters)\n$/,
      );
      expect(await read(dir, INDEX)).toBe(index);
    },
  );

  it("a name that looks like a flag, as an unknown option", async () => {
    expect((await patchbay(dir, "scaffold", "-x")).code).toBe(2);
  });

  it("a name another connector file already declares", async () => {
    await writeFile(
      join(dir, "src/connectors/builtin/old-crm.ts"),
      'export const x = {\n  name: "acme-crm",\n};\n',
    );
    const result = await patchbay(dir, "scaffold", "acme-crm");
    expect(result).toMatchObject({ code: 1, stdout: "" });
    expect(result.stderr).toBe(
      "patchbay: connector name 'acme-crm' is already used by src/connectors/builtin/old-crm.ts\n",
    );
    await rm(join(dir, "src/connectors/builtin/old-crm.ts"));
    expect(await read(dir, INDEX)).toBe(index);
  });

  it("a definition name the registry already imports from another file", async () => {
    const taken = index.replace(
      /^(import .*\n)(?!import)/m,
      '$1import { acmeCrmConnector } from "./acme.ts";\n',
    );
    await writeFile(join(dir, INDEX), taken);
    const error = await scaffoldConnector({ dir, name: "acme-crm" }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      exitCode: 1,
      message: `${INDEX} already imports acmeCrmConnector from ./acme.ts`,
    });
    expect(await read(dir, INDEX)).toBe(taken);
    await writeFile(join(dir, INDEX), index);
  });

  it("a directory that is not the project root", async () => {
    const error = await scaffoldConnector({ dir: join(dir, "src"), name: "acme-crm" }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ exitCode: 1 });
    expect((error as Error).message).toMatch(
      /^no src\/connectors\/builtin\/index.ts under .*; run in the project root or pass --dir$/,
    );
  });

  it("a description that is not one line", async () => {
    const cli = await patchbay(dir, "scaffold", "acme-crm", "-d", "two\nlines");
    expect(cli).toMatchObject({ code: 2, stderr: "patchbay: description must be one line\n" });
  });
});

describe("registerBuiltIn", () => {
  const names = connectorNames("acme-crm");
  const head = 'import type { ConnectorDefinition } from "../define/define-connector.ts";\n';

  it("keeps a list that fits on one line on one line", () => {
    const source = `${head}import { httpConnector } from "./http.ts";\n\nexport const BUILT_IN_DEFINITIONS: readonly ConnectorDefinition[] = [httpConnector];\n`;
    expect(registerBuiltIn(source, names).source).toBe(
      `${head}import { acmeCrmConnector } from "./acme-crm.ts";\nimport { httpConnector } from "./http.ts";\n\nexport const BUILT_IN_DEFINITIONS: readonly ConnectorDefinition[] = [acmeCrmConnector, httpConnector];\n`,
    );
  });

  it("puts one entry per line once the list passes 110 columns, as Biome does", () => {
    const source = `${head}import { deltaConnector } from "./delta.ts";\nimport { echoConnector } from "./echo.ts";\nimport { foxtrotConnector } from "./foxtrot.ts";\n\nexport const BUILT_IN_DEFINITIONS: readonly ConnectorDefinition[] = [deltaConnector, echoConnector, foxtrotConnector];\n`;
    const { source: updated, changed } = registerBuiltIn(source, names);
    expect(changed).toBe(true);
    expect(updated).toContain(
      "= [\n  acmeCrmConnector,\n  deltaConnector,\n  echoConnector,\n  foxtrotConnector,\n];\n",
    );
    expect(registerBuiltIn(updated, names)).toEqual({ source: updated, changed: false });
  });

  it("refuses a list holding more than names", () => {
    const source = `${head}\nexport const BUILT_IN_DEFINITIONS: readonly ConnectorDefinition[] = [\n  httpConnector, // keep\n];\n`;
    expect(() => registerBuiltIn(source, names)).toThrow(/register it by hand/);
  });
});

describe("compareModuleNames", () => {
  it("orders names as Biome's import organizer does", () => {
    // The order `biome check --write` gave these `./<name>.ts` imports (Biome 2.5).
    const biomeOrder = [
      "a-1",
      "a-b",
      "a-b-c",
      "a-bc",
      "a-z",
      "a0",
      "a1",
      "a9",
      "ab",
      "ab-c",
      "abc",
      "acme",
      "acme-2",
      "acme-crm",
      "acme2",
      "acme10",
      "b",
      "x-y-z",
      "x-yz",
      "xy-z",
      "xyz",
      "z1",
      "z1-a",
      "z1a",
      "z01",
      "z001b",
    ];
    expect([...biomeOrder].reverse().sort(compareModuleNames)).toEqual(biomeOrder);
  });
});
