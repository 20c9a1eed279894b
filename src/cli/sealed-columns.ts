import { CATALOG_SEALED_COLUMNS } from "../catalog/index.ts";
import { CONNECTION_SEALED_COLUMNS } from "../connections/index.ts";
import type { SealedColumn } from "../secrets/index.ts";
import { WEBHOOK_SEALED_COLUMNS } from "../webhooks/index.ts";

/**
 * Every sealed column of the schema, as each feature declares it with its own sealing-context function:
 * what `keys rotate-master` re-seals. A listed table that does not exist yet is skipped, so the order
 * in which features land does not matter; test/secrets/sealed-columns-complete.test.ts fails when a
 * `sealed_*` column of the migrated schema is missing here.
 */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  ...CATALOG_SEALED_COLUMNS,
  ...CONNECTION_SEALED_COLUMNS,
  ...WEBHOOK_SEALED_COLUMNS,
];
