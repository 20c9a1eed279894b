/** One long-lived signal passed on to the calls in flight, with one listener for all of them. */
export interface AbortFanOut {
  /**
   * Links one call's controller: it is aborted with the long-lived signal's reason (the same value) when
   * that aborts, at once if it has, and with a link's reason when one of `links` aborts first. Returns
   * the function that ends the call: the controller leaves the set and the links lose their listeners
   * (the controller is not aborted). Calling it twice does nothing more.
   */
  link(controller: AbortController, ...links: readonly (AbortSignal | undefined)[]): () => void;
}

/**
 * Passes `source` (the server's shutdown, alive for the whole process) on to a set of per-call
 * controllers. A call's own signal must not be made with `AbortSignal.any` over such a source: Node
 * records on the source every dependent signal that was given an `abort` listener; one whose listener
 * is still on lives as long as the source (about 1.3 kB a call on Node 24.21), and one whose listeners
 * were taken off stays until a GC finalizer drops it (nodejs/node#55351, #64476). Here the source holds
 * one listener, a call's controller is in the set only while the call runs, and its short-lived links
 * (the request's own signals, which end with it) get ordinary listeners, taken off when it ends.
 */
export function createAbortFanOut(source: AbortSignal | undefined): AbortFanOut {
  const inFlight = new Set<AbortController>();
  // In the order the calls began; a call ended by another's abort listener leaves the set safely.
  source?.addEventListener(
    "abort",
    () => {
      for (const controller of inFlight) controller.abort(source.reason);
      inFlight.clear();
    },
    { once: true },
  );
  return {
    link(controller, ...links) {
      if (source?.aborted === true) controller.abort(source.reason);
      else if (source !== undefined) inFlight.add(controller);
      const linked: AbortSignal[] = [];
      const onAbort = function (this: AbortSignal) {
        controller.abort(this.reason);
      };
      for (const signal of links) {
        if (signal === undefined) continue;
        if (signal.aborted) {
          controller.abort(signal.reason);
          continue;
        }
        signal.addEventListener("abort", onAbort, { once: true });
        linked.push(signal);
      }
      return () => {
        inFlight.delete(controller);
        for (const signal of linked) signal.removeEventListener("abort", onAbort);
      };
    },
  };
}
