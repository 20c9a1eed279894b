export { MASTER_KEY_FILE, type MasterKeys, resolveMasterKeys } from "./master-key.ts";
export { createSecretBox, keyIdOf, type SecretBox, SecretBoxError } from "./secret-box.ts";
