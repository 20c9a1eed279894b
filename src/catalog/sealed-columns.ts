import { type SealedColumn, sealedColumn } from "../secrets/index.ts";
import { configContext } from "./catalog-deps.ts";

/** The catalog's sealed columns, with the context it seals them under (for `keys rotate-master`). */
export const CATALOG_SEALED_COLUMNS: readonly SealedColumn[] = [
  sealedColumn("connectors", "sealed_config", configContext),
];
