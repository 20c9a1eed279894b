import { BUILT_IN_DEFINITIONS } from "../connectors/index.ts";
import { type BuiltinCatalogEntry, toCatalogEntry } from "./builtin-catalog-entry.ts";
import { SAMPLE_SCRIPT_ENTRY } from "./sample-script.ts";

/** Every built-in catalog entry, from the one list of built-in definitions. */
export const BUILTIN_CATALOG: readonly BuiltinCatalogEntry[] = [
  ...BUILT_IN_DEFINITIONS.map(toCatalogEntry),
  SAMPLE_SCRIPT_ENTRY,
];
