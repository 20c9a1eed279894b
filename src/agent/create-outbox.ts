/** The agent's side of the stream: messages queued for sending, with backpressure. */
export interface Outbox<T> {
  /** What the transport reads; ends after {@link end}. */
  readonly messages: AsyncIterable<T>;
  /** Queues a message; resolves once the queue is below its high-water mark (await it for backpressure). */
  send(message: T): Promise<void>;
  /** Ends the stream after what is queued; later sends are dropped. */
  end(): void;
}

/** Builds an {@link Outbox} that holds at most about `highWater` messages before `send` waits. */
export function createOutbox<T>(highWater = 16): Outbox<T> {
  const queue: T[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const waiting: (() => void)[] = [];
  const release = () => {
    while (queue.length < highWater && waiting.length > 0) waiting.shift()?.();
  };
  return {
    messages: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const next = queue.shift();
          if (next !== undefined) {
            release();
            yield next;
            continue;
          }
          if (ended) {
            // Nobody reads any more: senders must not wait forever.
            for (const resolve of waiting.splice(0)) resolve();
            return;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      },
    },
    send(message) {
      if (ended) return Promise.resolve();
      queue.push(message);
      wake?.();
      wake = undefined;
      if (queue.length < highWater) return Promise.resolve();
      return new Promise((resolve) => waiting.push(resolve));
    },
    end() {
      ended = true;
      wake?.();
      wake = undefined;
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}
