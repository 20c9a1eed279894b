/**
 * Messages waiting to be sent on one stream, read by the stream's handler as they come: `push` never
 * blocks (the hub decides how much it sends: at most the agent's capacity in requests), and the reader
 * ends after `end`, once the queue is empty.
 */
export interface MessageQueue<T> extends AsyncIterable<T> {
  push(message: T): void;
  end(): void;
}

export function createMessageQueue<T>(): MessageQueue<T> {
  const waiting: T[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  return {
    push(message) {
      if (ended) return;
      waiting.push(message);
      signal();
    },
    end() {
      ended = true;
      signal();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = waiting.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}
