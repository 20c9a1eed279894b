import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRepoFile, repoPath } from "./deploy-files.ts";

/** Every .ts file below a repository folder. */
function sources(folder: string): string[] {
  return readdirSync(repoPath(folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => join(folder, file));
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`, `ajv/dist/x.js` → `ajv`). */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

/**
 * The packages a file loads at run time: static imports and re-exports that are not `import type`, and
 * dynamic `import("…")`. A type-only import is erased, so its package may be a dev dependency.
 */
function runtimeImports(text: string): Set<string> {
  const found = new Set<string>();
  const statement = /(?:^|\n)\s*(?:import|export)(\s+type\b)?[^;"]*?from\s+"([^"]+)"/g;
  const sideEffect = /(?:^|\n)\s*import\s+"([^"]+)"/g;
  const dynamic = /\bimport\(\s*"([^"]+)"\s*\)/g;
  for (const m of text.matchAll(statement)) if (m[1] === undefined && m[2] !== undefined) found.add(m[2]);
  for (const m of text.matchAll(sideEffect)) if (m[1] !== undefined) found.add(m[1]);
  for (const m of text.matchAll(dynamic)) if (m[1] !== undefined) found.add(m[1]);
  return found;
}

const builtins = new Set(builtinModules);
const isBare = (specifier: string) =>
  !specifier.startsWith(".") && !specifier.startsWith("node:") && !builtins.has(specifier);

// Issue 19 item 17: the production image installs without dev dependencies (`npm ci --omit=dev`), so a
// package the service loads must be a dependency; `pg` was once declared only for development.
describe("runtime dependencies", () => {
  const manifest = JSON.parse(readRepoFile("package.json")) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };

  it("declares every package src/ and gen/ load at run time under dependencies", () => {
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const file of [...sources("src"), ...sources("gen")]) {
      for (const specifier of runtimeImports(readFileSync(repoPath(file), "utf8"))) {
        if (!isBare(specifier)) continue;
        const name = packageOf(specifier);
        seen.add(name);
        if (manifest.dependencies[name] === undefined) missing.push(`${file}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
    // The scan itself works: it finds the database driver and the RPC runtime.
    expect(seen).toContain("pg");
    expect(seen).toContain("@connectrpc/connect");
  });

  it("pins pg exactly, to the version in the lockfile", () => {
    const lock = JSON.parse(readRepoFile("package-lock.json")) as {
      packages: Record<string, { version?: string; dev?: boolean }>;
    };
    expect(manifest.dependencies.pg).toBe(lock.packages["node_modules/pg"]?.version);
    expect(manifest.devDependencies.pg).toBeUndefined();
    expect(lock.packages["node_modules/pg"]?.dev).toBeUndefined();
  });

  it("reads imports the way the service loads them", () => {
    const text = [
      'import { a } from "kept";',
      'import type { B } from "erased";',
      'import {\n  c,\n  type D,\n} from "multi-line";',
      'export { e } from "re-exported";',
      'import "side-effect";',
      'const f = await import("dynamic");',
      'import { g } from "./relative.ts";',
    ].join("\n");
    expect([...runtimeImports(text)].sort()).toEqual(
      ["./relative.ts", "dynamic", "kept", "multi-line", "re-exported", "side-effect"].sort(),
    );
    expect(packageOf("@bufbuild/protobuf/wkt")).toBe("@bufbuild/protobuf");
    expect(packageOf("ajv/dist/2020.js")).toBe("ajv");
  });
});
