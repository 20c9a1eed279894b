import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Where the committed client types live (imported by the client tests). */
export const CLIENT_TYPES_PATH = root("test/openapi/patchbay-api.d.ts");

const HEADER = `// Generated from gen/openapi.json by openapi-typescript (test/openapi/generate-client-types.ts); do not edit.
// Regenerate: npx vitest run test/openapi/openapi-client.test.ts -u
`;

/**
 * TypeScript types for gen/openapi.json as openapi-typescript writes them, formatted by Biome so the
 * committed copy passes `biome check` like any other file.
 */
export async function generateClientTypes(): Promise<string> {
  const document = JSON.parse(readFileSync(root("gen/openapi.json"), "utf8"));
  const text = HEADER + astToString(await openapiTS(document));
  return execFileSync(root("node_modules/.bin/biome"), ["format", `--stdin-file-path=${CLIENT_TYPES_PATH}`], {
    input: text,
    encoding: "utf8",
  });
}
