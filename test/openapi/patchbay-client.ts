import type { Client } from "openapi-fetch";
import createClient from "openapi-fetch";
import type { paths } from "./patchbay-api.d.ts";

/** A REST client generated from gen/openapi.json (openapi-typescript + openapi-fetch), keyed for `baseUrl`. */
export function createPatchbayClient(baseUrl: string, apiKey: string): Client<paths> {
  return createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${apiKey}` } });
}
