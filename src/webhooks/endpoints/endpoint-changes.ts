import type { NativeQuery, NotificationListener } from "../../db/index.ts";
import type { EndpointCache } from "./endpoint-cache.ts";

/** The channel endpoint changes are announced on; the payload is the endpoint's id. */
export const ENDPOINT_CHANNEL = "patchbay_webhook_endpoints";

/** What {@link changeEndpoint} needs. */
export interface EndpointChangeDeps {
  readonly query: NativeQuery;
  readonly endpoints: EndpointCache;
}

/**
 * Writes a change to one endpoint and announces it to every replica, then answers only once this
 * replica can no longer accept a delivery against the old row. `update` is an UPDATE of
 * `webhook_endpoints` whose `$1` is the endpoint's id; the announcement (NOTIFY) is part of the same
 * statement, so it goes out exactly when the change commits, and every replica listening forgets its
 * entry within the time NOTIFY takes. Here the entry is dropped and the deliveries that saw it are
 * waited for: none is stored after the change is answered. Every change that affects acceptance (secret,
 * rotation, deletion) goes through here.
 */
export async function changeEndpoint(
  deps: EndpointChangeDeps,
  id: string,
  update: string,
  values: readonly unknown[] = [],
): Promise<void> {
  await deps.query(
    `with changed as (${update} returning id) select pg_notify('${ENDPOINT_CHANNEL}', id::text) from changed`,
    [id, ...values],
  );
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
