import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gunzipSync } from "node:zlib";

const require = createRequire(import.meta.url);

/** Text of a file shipped in an npm package, e.g. `fixture("@readme/oas-examples/3.0/json/petstore.json")`. */
export function fixture(specifier: string): string {
  const [scope = "", name = "", ...rest] = specifier.split("/");
  const root = require.resolve(`${scope}/${name}/package.json`).replace(/package\.json$/, "");
  return readFileSync(`${root}${rest.join("/")}`, "utf8");
}

/** The published descriptions of test/fixtures/openapi/ (see its README), by file name. */
export const PUBLISHED = {
  docusign: "docusign.net.json.gz",
  walletobjects: "googleapis.com-walletobjects.json.gz",
} as const;

/** Text of a gzip-compressed description in test/fixtures/openapi/, e.g. `publishedFixture(PUBLISHED.docusign)`. */
export function publishedFixture(file: string): string {
  return gunzipSync(readFileSync(new URL(`../../fixtures/openapi/${file}`, import.meta.url))).toString(
    "utf8",
  );
}
