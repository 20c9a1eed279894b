import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { findCycles, folderOf, moduleState, readImportGraph } from "../../scripts/structure/import-graph.ts";

// The import rules of docs/architecture.md, checked on the real tree. A failure names the offending
// imports, so the fix is to route them through the owner's index.ts or a leaf folder, not to widen a rule.

const graph = readImportGraph("src");
const FEATURES = new Set([
  "catalog",
  "connections",
  "execute",
  "webhooks",
  "auth",
  "overload",
  "ratelimit",
  "mcp",
  "agent",
]);
const LEAVES = new Set(["protocol", "outbound", "secrets", "db", "paging", "logging"]);
const edges = [...graph.imports].flatMap(([from, targets]) => targets.map((to) => ({ from, to })));
const show = (list: readonly { from: string; to: string }[]) => list.map((e) => `${e.from} -> ${e.to}`);

describe("the import graph of src/", () => {
  it("reads the tree (the rules below are not checked on nothing)", () => {
    expect(graph.sources.size).toBeGreaterThan(300);
    expect(edges.length).toBeGreaterThan(1000);
  });

  it("has no import cycle, type-level ones included", () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it("has nothing outside the composition root import server/", () => {
    const allowed = (file: string) =>
      folderOf(file) === "server" || folderOf(file) === "cli" || !file.includes("/");
    expect(show(edges.filter((e) => folderOf(e.to) === "server" && !allowed(e.from)))).toEqual([]);
  });

  it("keeps the leaf folders free of features, connectors and the server", () => {
    expect(
      show(
        edges.filter(
          (e) => LEAVES.has(folderOf(e.from)) && !LEAVES.has(folderOf(e.to)) && e.to !== "config.ts",
        ),
      ),
    ).toEqual([]);
  });

  it("keeps the connector framework (define/, external/) free of the catalog, the features and the server", () => {
    const framework = (file: string) =>
      file.startsWith("connectors/define/") || file.startsWith("connectors/external/");
    expect(
      show(
        edges.filter(
          (e) => framework(e.from) && (FEATURES.has(folderOf(e.to)) || folderOf(e.to) === "server"),
        ),
      ),
    ).toEqual([]);
  });

  it("lets a feature reach another feature only through its index.ts", () => {
    const crossing = edges.filter(
      (e) =>
        FEATURES.has(folderOf(e.to)) &&
        folderOf(e.from) !== folderOf(e.to) &&
        e.to !== `${folderOf(e.to)}/index.ts` &&
        folderOf(e.from) !== "server" &&
        folderOf(e.from) !== "cli" &&
        // The entry points: config.ts reads the limit parsers directly so that reading the settings
        // does not load the features.
        e.from.includes("/"),
    );
    expect(show(crossing)).toEqual([]);
  });

  it("keeps each feature's tables to itself: no feature imports another feature's ORM entity", () => {
    const entityImport = /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"(\.{1,2}\/[^"]+)"/g;
    const readers = [...graph.sources].flatMap(([file, text]) =>
      [...text.matchAll(entityImport)].flatMap((match) => {
        const names = (match[1] ?? "").split(",").map((name) => name.replace(/^\s*type\s+/, "").trim());
        const target = join(dirname(file), match[2] ?? "");
        const owner = folderOf(target);
        const reader = folderOf(file);
        if (!FEATURES.has(owner) || owner === reader || !file.includes("/") || reader === "cli") return [];
        return names.filter((name) => /Entity$/.test(name)).map((name) => `${file} -> ${owner}: ${name}`);
      }),
    );
    expect(readers).toEqual([]);
  });

  it("holds no module-level mutable state", () => {
    expect(moduleState(graph)).toEqual([]);
  });
});
