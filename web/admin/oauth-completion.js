// Hears the OAuth completion page: Patchbay's callback (and a start link that cannot be used) answers a page
// that posts `{connectionId, ok, reason, at}` on the `patchbay-oauth` BroadcastChannel and writes it to the
// localStorage entry of that name, whose storage event reaches tabs without BroadcastChannel.

/** BroadcastChannel name and localStorage key the completion page writes to. */
const COMPLETION_CHANNEL = "patchbay-oauth";

/**
 * Calls `handler` with each completion message this origin's completion pages send.
 * @param {(message: { connectionId: string, ok: boolean, reason: string }) => void} handler
 */
export function onOAuthCompletion(handler) {
  /** @param {unknown} data */
  const receive = (data) => {
    if (typeof data !== "object" || data === null) return;
    const message = /** @type {Record<string, unknown>} */ (data);
    if (typeof message.connectionId !== "string") return;
    handler({
      connectionId: message.connectionId,
      ok: message.ok === true,
      reason: typeof message.reason === "string" ? message.reason : "",
    });
  };
  try {
    new BroadcastChannel(COMPLETION_CHANNEL).addEventListener("message", (event) => receive(event.data));
  } catch {
    // No BroadcastChannel: the storage event (and the page's polling) still follow the flow.
  }
  window.addEventListener("storage", (event) => {
    if (event.key !== COMPLETION_CHANNEL || event.newValue === null) return;
    try {
      receive(JSON.parse(event.newValue));
    } catch {
      // Not the completion page's entry.
    }
  });
}
