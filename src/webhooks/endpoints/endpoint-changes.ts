import type { NotificationListener } from "../../db/index.ts";
import type { EndpointCache } from "./endpoint-cache.ts";
import { ENDPOINT_CHANNEL, type EndpointChange, type EndpointStore } from "./endpoint-store.ts";

/** What {@link changeEndpoint} needs. */
export interface EndpointChangeDeps {
  readonly endpointStore: EndpointStore;
  readonly endpoints: EndpointCache;
}

/**
 * Writes a change to one endpoint and announces it to every replica, then answers only once this
 * replica can no longer accept a delivery against the old row. The announcement (NOTIFY) is part of the
 * change's statement, so it goes out exactly when the change commits, and every replica listening
 * forgets its entry within the time NOTIFY takes. Here the entry is dropped and the deliveries that saw
 * it are waited for: none is stored after the change is answered. Every change that affects acceptance
 * (secret, rotation, deletion) goes through here.
 */
export async function changeEndpoint(
  deps: EndpointChangeDeps,
  id: string,
  change: EndpointChange,
): Promise<void> {
  await deps.endpointStore.change(id, change);
  await deps.endpoints.forget(id);
}

/**
 * Keeps the endpoint cache honest across replicas: an announced change drops its entry, and the cache is
 * off while announcements cannot be heard (everything it held is forgotten when they can again).
 * Returns the function that stops listening.
 */
export function hearEndpointChanges(
  notifications: NotificationListener,
  endpoints: EndpointCache,
): Promise<() => Promise<void>> {
  return notifications.listen(ENDPOINT_CHANNEL, {
    notified(id) {
      void endpoints.forget(id);
    },
    listening() {
      void endpoints.forget();
      endpoints.setCaching(true);
    },
    deaf() {
      endpoints.setCaching(false);
    },
  });
}
