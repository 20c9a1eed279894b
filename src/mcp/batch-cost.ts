/** What one `/mcp` POST costs its key: the calls it counts against the rate limit and its places in flight. */
export interface BatchCost {
  /** Calls counted against the key's rate limit: one per message (at least one per POST). */
  readonly calls: number;
  /** Places taken of the key's in-flight limit: one per request, which the SDK runs side by side. */
  readonly places: number;
}

/**
 * The cost of a POST's parsed JSON-RPC body. A batch (an array, up to the SDK's 100 messages) costs what
 * its messages would cost sent one by one, so that one POST cannot run more tool calls than the key's
 * limits allow (docs/overload.md: one count covers everything done with a key). A notification takes no
 * place of its own: it is answered by nothing and its handlers (initialized, cancelled) do no work.
 */
export function batchCost(body: unknown): BatchCost {
  if (!Array.isArray(body)) return { calls: 1, places: 1 };
  const requests = body.filter(isRequest).length;
  return { calls: Math.max(1, body.length), places: Math.max(1, requests) };
}

/** A JSON-RPC request: a method and an id (a notification has no id, a response no method). */
function isRequest(message: unknown): boolean {
  return typeof message === "object" && message !== null && "method" in message && "id" in message;
}
