import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { COMPLETION_FAILURES } from "../../src/connections/oauth/completion-failures.ts";
import { OAUTH_ERROR_KINDS } from "../../src/connections/oauth/oauth-error.ts";
import { CODE_BY_FAILURE_CLASS, classifyFailure } from "../../src/execute/failure-classes.ts";
import { codeFromName, codeName } from "../../src/protocol/errors.ts";
import { httpStatusOf } from "../../src/protocol/http-status.ts";
import { collectErrorCodes } from "./collect-error-codes.ts";
import { type CatalogueTable, codeIn, columnOf, familyPrefix, readTables } from "./read-catalogue.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const tables = readTables(readFileSync(join(repo, "docs/errors.md"), "utf8"));
/** Tables of codes: the first column is `Code`, one code in backticks per row. */
const catalogue = tables.filter((table) => table.header[0] === "Code");
const minted = collectErrorCodes(join(repo, "src"), repo);

const grpcName = (code: Code) => codeName(code).toUpperCase();
/** A family is compared by its prefix: `EXTERNAL_HTTP_<status>` and `` `EXTERNAL_HTTP_${n}` `` agree. */
const keyOf = (code: string) => {
  const prefix = familyPrefix(code);
  return prefix === undefined ? code : `${prefix}<…>`;
};

/** Every code the source can emit, keyed as the page is, with where it is minted. */
function sourceCodes(): Map<string, string> {
  const codes = new Map(minted.codes);
  for (const [prefix, where] of minted.families) codes.set(`${prefix}<…>`, where);
  // Lower-case codes their features declare in tables rather than at a call.
  const declared: [readonly string[], string][] = [
    [Object.keys(CODE_BY_FAILURE_CLASS), "src/execute/failure-classes.ts (CODE_BY_FAILURE_CLASS)"],
    [OAUTH_ERROR_KINDS, "src/connections/oauth/oauth-error.ts (OAUTH_ERROR_KINDS)"],
    [Object.keys(COMPLETION_FAILURES), "src/connections/oauth/completion-failures.ts (COMPLETION_FAILURES)"],
  ];
  for (const [list, where] of declared) for (const code of list) if (!codes.has(code)) codes.set(code, where);
  return codes;
}

/** Every code the page lists, keyed as {@link keyOf}, as written. */
function pageCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const table of catalogue)
    for (const row of table.rows) {
      const code = codeIn(row[0]);
      if (code !== undefined) codes.set(keyOf(code), code);
    }
  return codes;
}

function tableUnder(heading: string): CatalogueTable {
  const table = tables.find((t) => t.heading === heading);
  if (table === undefined) throw new Error(`docs/errors.md has no table under the heading "${heading}"`);
  return table;
}

describe("docs/errors.md, the catalogue of error codes", () => {
  it("lists every code the source can emit", () => {
    const page = pageCodes();
    const missing = [...sourceCodes()]
      .filter(([code]) => !page.has(code))
      .map(([code, where]) => `${code}  (minted at ${where})`);
    expect(missing, "codes src/ can emit that docs/errors.md lacks: add a row for each").toEqual([]);
  });

  it("lists no code the source no longer emits", () => {
    const source = sourceCodes();
    const extra = [...pageCodes()].filter(([code]) => !source.has(code)).map(([, written]) => written);
    expect(extra, "codes docs/errors.md lists that src/ no longer emits: remove or rename them").toEqual([]);
  });

  it("never emits a retired code again (a code is never reused)", () => {
    const retired = tables.filter((table) => table.header[0] === "Retired code").flatMap((t) => t.rows);
    expect(retired.length).toBeGreaterThan(0);
    const source = sourceCodes();
    const reused = retired
      .map((row) => codeIn(row[0]) ?? row.join(" | "))
      .filter((code) => source.has(keyOf(code)));
    expect(reused, "retired codes the source emits again: give the new meaning a new code").toEqual([]);
  });

  it("names one code in backticks in the first cell of every row", () => {
    const unreadable = catalogue.flatMap((t) => t.rows.filter((row) => codeIn(row[0]) === undefined));
    expect(unreadable.map((row) => row.join(" | "))).toEqual([]);
  });

  it("lists the 16 status codes with their HTTP status from the one Code → HTTP table", () => {
    const table = tables.find((t) => t.header[0] === "gRPC code");
    const rows = (table?.rows ?? []).map((row) => `${codeIn(row[0])} ${codeIn(row[1])} ${row[2]}`);
    const expected = Object.values(Code)
      .filter((code): code is Code => typeof code === "number")
      .map((code) => `${grpcName(code)} ${codeName(code)} ${httpStatusOf(code)}`);
    expect(rows.sort()).toEqual(expected.sort());
  });

  it("gives each code the HTTP status of its gRPC code", () => {
    const wrong = catalogue.flatMap((table) => {
      const [grpc, http] = [columnOf(table, "gRPC code"), columnOf(table, "HTTP")];
      if (grpc < 0 || http < 0) return [];
      return table.rows.flatMap((row) => {
        const name = codeIn(row[grpc]);
        if (name === undefined || !/^\d+$/.test(row[http] ?? "")) return [];
        const status = httpStatusOf(codeFromName(name.toLowerCase()));
        return status === Number(row[http]) ? [] : [`${row[0]}: ${name} is HTTP ${status}, not ${row[http]}`];
      });
    });
    expect(wrong).toEqual([]);
  });

  it("gives each failure class its gRPC code", () => {
    const rows = tableUnder("Failure classes").rows.map((row) => `${codeIn(row[0])} ${codeIn(row[1])}`);
    const expected = Object.entries(CODE_BY_FAILURE_CLASS).map(([name, code]) => `${name} ${grpcName(code)}`);
    expect(rows.sort()).toEqual(expected.sort());
  });

  it("gives each command failure code the class the classifier gives it, and that class's gRPC code", () => {
    const wrong = catalogue.flatMap((table) => {
      const [failureClass, grpc] = [columnOf(table, "Failure class"), columnOf(table, "gRPC code")];
      if (failureClass < 0) return [];
      return table.rows.flatMap((row) => {
        const [code, stated] = [codeIn(row[0]), codeIn(row[failureClass])];
        // Families and codes whose class depends on diagnostics say so in words.
        if (code === undefined || stated === undefined || familyPrefix(code) !== undefined) return [];
        const actual = classifyFailure({ success: false, errorCode: code });
        const [expectedCode, statedCode] = [grpcName(CODE_BY_FAILURE_CLASS[actual]), codeIn(row[grpc])];
        return actual === stated && statedCode === expectedCode
          ? []
          : [`${code}: class ${actual} (${expectedCode}), not ${stated} (${statedCode})`];
      });
    });
    expect(wrong).toEqual([]);
  });

  it("lists every refusal of the REST bridge with its HTTP status", () => {
    const page = tableUnder("Refused before a handler runs").rows.map((row) => `${codeIn(row[0])} ${row[1]}`);
    const missing = [...minted.refusals]
      .filter(([pair]) => !page.includes(pair))
      .map(([p, w]) => `${p} (${w})`);
    const extra = page.filter((pair) => !minted.refusals.has(pair));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });
});

describe("collecting the codes from source", () => {
  it("finds a code in each shape that mints one, and skips what is only compared or not a code", () => {
    const root = mkdtempSync(join(tmpdir(), "patchbay-codes-"));
    try {
      mkdirSync(join(root, "src"));
      writeFileSync(
        join(root, "src/sample.ts"),
        [
          'export type Why = "TYPE_CODE" | "NEWCODE";',
          'const TABLE = { KEY_CODE: "invalid_params", PATCHBAY_SETTING: "x" };',
          "export function run(kind: string) {",
          '  if (kind === "COMPARED_ONLY") return failure("a message", "CALL_CODE");',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: source text for the parser, not a template
          '  const result = { errorCode: `FAMILY_${kind}`, status: "pending_review" };',
          '  fail(kind === "a" ? "first_reason" : "second_reason");',
          '  row.lastError = "lower_state";',
          '  throw new BridgeError(418, "teapot", "a message");',
          '  return "GET";',
          "}",
        ].join("\n"),
      );
      const found = collectErrorCodes(join(root, "src"), root);
      expect([...found.codes.keys()].sort()).toEqual(
        [
          "CALL_CODE",
          "KEY_CODE",
          "NEWCODE",
          "TYPE_CODE",
          "first_reason",
          "lower_state",
          "second_reason",
          "teapot",
        ].sort(),
      );
      expect(found.codes.get("CALL_CODE")).toBe("src/sample.ts:4");
      expect([...found.families.keys()]).toEqual(["FAMILY_"]);
      expect([...found.refusals.keys()]).toEqual(["teapot 418"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
