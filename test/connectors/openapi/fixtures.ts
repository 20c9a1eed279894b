import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** Text of a file shipped in an npm package, e.g. `fixture("@readme/oas-examples/3.0/json/petstore.json")`. */
export function fixture(specifier: string): string {
  const [scope = "", name = "", ...rest] = specifier.split("/");
  const root = require.resolve(`${scope}/${name}/package.json`).replace(/package\.json$/, "");
  return readFileSync(`${root}${rest.join("/")}`, "utf8");
}
