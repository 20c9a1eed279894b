/**
 * The channel a change of a key's validity is announced on (a revocation, or a rotation moving its
 * expiry); the payload is the key's hash. Announced in the transaction that makes the change, so it is
 * delivered when that commits.
 */
export const REVOCATION_CHANNEL = "patchbay_api_keys";
