import { type SealedColumn, sealedColumn } from "../secrets/index.ts";
import { credentialsContext } from "./connection-entity.ts";
import { verifierContext } from "./oauth-flow.ts";

/** The connections feature's sealed columns, with the contexts it seals them under (for `keys rotate-master`). */
export const CONNECTION_SEALED_COLUMNS: readonly SealedColumn[] = [
  sealedColumn("connections", "sealed_credentials", credentialsContext),
  sealedColumn("oauth_states", "sealed_code_verifier", verifierContext),
];
