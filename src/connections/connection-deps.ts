import type { EntityManager } from "@mikro-orm/sql";
import type { ConnectorLookup } from "../catalog/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { PageTokens } from "../paging/index.ts";
import type { SecretBox } from "../secrets/index.ts";

/** What the connection service needs. */
export interface ConnectionDeps {
  em: () => EntityManager;
  secretBox: SecretBox;
  lookup: ConnectorLookup;
  pageTokens: PageTokens;
  /** Public base URL, for `credential_submit_url` and OAuth redirects. */
  publicUrl: string;
  logger: Logger;
  /** How long a connector's `test` command may take when credentials are submitted. */
  testTimeoutMs?: number;
  now?: () => Date;
}
