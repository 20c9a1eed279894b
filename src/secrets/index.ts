export { MASTER_KEY_FILE, type MasterKeys, resolveMasterKeys } from "./master-key.ts";
export {
  type ResealColumnResult,
  ResealError,
  type ResealFailure,
  type ResealOptions,
  type ResealProgress,
  type ResealResult,
  resealAll,
} from "./reseal.ts";
export { type SealedColumn, sealedColumn } from "./sealed-columns.ts";
export { createSecretBox, keyIdOf, type SecretBox, SecretBoxError } from "./secret-box.ts";
export {
  createSecretScrubber,
  MIN_SECRET_LENGTH,
  SCRUBBED,
  SECRET_KEY,
  type SecretScrubber,
  secretValuesOf,
} from "./secret-scrubber.ts";
