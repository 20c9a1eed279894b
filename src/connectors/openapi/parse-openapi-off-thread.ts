import { createOpenApiImporter, type OffThreadOptions } from "./openapi-importer.ts";
import type { OpenApiDraft } from "./parse-openapi.ts";

/**
 * One import on a worker of its own, ended when the import is: for one-shot callers (the OpenAPI
 * benchmark's worker path) that have no importer to reuse.
 */
export async function parseOpenApiOffThread(
  input: string | object,
  options: OffThreadOptions = {},
): Promise<OpenApiDraft> {
  const importer = createOpenApiImporter();
  try {
    return await importer.parse(input, options);
  } finally {
    await importer.close();
  }
}
