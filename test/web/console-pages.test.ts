import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { adminWebFile } from "../support/admin-page-checks.ts";

// What the console's connector pages may not do, read from their source: put API data into the page
// as HTML, keep the key anywhere but sessionStorage (admin-common.js), load anything from another
// origin, or carry inline scripts and styles beyond build.html's import map.

const MODULES = [
  "catalog.js",
  "build.js",
  "import.js",
  "connector-form.js",
  "connector-view.js",
  "schema-diff.js",
  "script-editor.js",
];
const PAGES = ["catalog.html", "build.html", "import.html"];

/** A module's code without its comments (which may name what the code avoids). */
const code = (file: string) =>
  readFileSync(adminWebFile(file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");

describe("the console's connector pages, read from their source", () => {
  it.each(MODULES)("%s writes text only and keeps the key out of other storage", (file) => {
    const script = code(file);
    for (const sink of [
      "innerHTML",
      "outerHTML",
      "insertAdjacentHTML",
      "document.write",
      "localStorage",
      "sessionStorage",
      "document.cookie",
      "eval(",
      "new Function",
    ]) {
      expect(script, sink).not.toContain(sink);
    }
    expect(script).not.toMatch(/\bconsole\.\w+\(/);
    // Imports are this origin's modules or the editor's bare names, which the import map resolves.
    // Every form: import and export statements with either quote, a bare `import "x"`, and `import("x")`.
    const specifiers = [
      ...script.matchAll(
        /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["'`]([^"'`]+)["'`]|(?:^|\n)\s*import\s*["'`]([^"'`]+)["'`]|\bimport\s*\(\s*["'`]([^"'`]+)["'`]/g,
      ),
    ].map((match) => match[1] ?? match[2] ?? match[3]);
    expect(specifiers.length, file).toBeGreaterThan(0);
    for (const from of specifiers) {
      expect(from, file).toMatch(/^(\.\/[a-z-]+\.js|codemirror|@codemirror\/[a-z-]+)$/);
    }
  });

  it.each(PAGES)(
    "%s loads nothing from elsewhere and has no inline script or style but the import map",
    (file) => {
      const html = readFileSync(adminWebFile(file), "utf8");
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
      expect(html).not.toMatch(/style="|<style|\son[a-z]+="/);
      const inline = [...html.matchAll(/<script(?![^>]*\ssrc=)([^>]*)>/g)].map((match) => match[1]);
      expect(inline).toEqual(file === "build.html" ? [' type="importmap"'] : []);
    },
  );
});
