/**
 * Queues messages and sends each batch as one array: with many executions in flight, one IPC write
 * carries many messages instead of one write (and one wake-up of the other process) per message. A
 * batch goes at the end of the current microtask queue, or, while `busy()` says more messages are
 * coming, on the next turn of the event loop (fewer, larger writes for a little latency).
 */
export function batchedSender<T>(
  send: (batch: T[]) => void,
  busy: () => boolean = () => false,
): (message: T) => void {
  let queue: T[] = [];
  let scheduled = false;
  function flush(): void {
    scheduled = false;
    const batch = queue;
    queue = [];
    send(batch);
  }
  return (message) => {
    queue.push(message);
    if (!scheduled) {
      scheduled = true;
      if (busy()) setImmediate(flush);
      else queueMicrotask(flush);
    }
  };
}
