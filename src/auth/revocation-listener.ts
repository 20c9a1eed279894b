import type { NotificationListener } from "../db/index.ts";
import type { ApiKeyStore } from "./api-keys.ts";
import { REVOCATION_CHANNEL } from "./revocation-channel.ts";

/**
 * Keeps the key store's verification cache honest across processes. A revocation or rotation made
 * anywhere (another replica, the `patchbay keys` command) is announced with NOTIFY; the process's one
 * notification listener hears it and the key is dropped from the cache at once (its next call reads the
 * row again). While the listener cannot hear, the cache is off, so every call asks the database; when it
 * hears again, the cache starts empty (anything revoked meanwhile is forgotten). Returns the function
 * that stops listening.
 */
export async function listenForRevocations(
  notifications: NotificationListener,
  keys: ApiKeyStore,
): Promise<() => Promise<void>> {
  keys.setCaching(false);
  const stop = await notifications.listen(REVOCATION_CHANNEL, {
    notified: (keyHash) => keys.forget(keyHash),
    listening: () => {
      keys.forget();
      keys.setCaching(true);
    },
    deaf: () => keys.setCaching(false),
  });
  return async () => {
    keys.setCaching(false);
    await stop();
  };
}
