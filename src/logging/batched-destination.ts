import type { pino } from "pino";

/** The stream the batches go to: pino's sonic-boom destination, which does the writing (and its retries). */
export type BatchSink = ReturnType<typeof pino.destination>;

/** Options for {@link BatchedDestination}. */
export interface BatchedDestinationOptions {
  /** A batch goes out as soon as its lines add up to this many characters (string length, not bytes). */
  readonly batchLength?: number;
  /** The longest a line waits for its batch to fill before it goes out anyway, in milliseconds. */
  readonly intervalMs?: number;
}

/**
 * A pino destination that gathers lines and hands them to `sink` joined, one write per batch: when
 * `batchLength` characters have gathered (4 KiB by default), every `intervalMs` (100 ms), on `flush`,
 * `flushSync`, `end` and when the process exits. Lines keep their order.
 *
 * Why in front of sonic-boom rather than its own `minLength`: sonic-boom appends each line to one growing
 * string and measures that string's byte length on every write, which flattens it each time; that cost
 * grows with the batch and was a twentieth of a request's CPU. Here a line costs an array push and its
 * string length.
 *
 * `sink` should be `pino.destination({ sync: false, minLength: 1 })`: with `minLength` 0 sonic-boom's
 * `flush(cb)` answers before the write in flight is done, and every batch is longer than 1 character, so
 * it is written at once all the same.
 */
export class BatchedDestination {
  readonly #sink: BatchSink;
  readonly #batchLength: number;
  readonly #intervalMs: number;
  #lines: string[] = [];
  #length = 0;
  // Armed (the timer set and the exit listener on) from a line's arrival until its interval has passed:
  // while no line is waiting, nothing is registered, so an idle logger costs the process nothing.
  #timer: NodeJS.Timeout | undefined;
  // The process exiting with lines still gathered (their timer is unref'd and will not run): pino flushes
  // its sink synchronously on `exit`, but knows only what the sink holds, so the gathered lines are handed
  // over and flushed here (the sink's own exit listener may already have run).
  readonly #onExit = () => {
    if (!this.#sinkEnded()) this.flushSync();
  };

  constructor(sink: BatchSink, options: BatchedDestinationOptions = {}) {
    this.#sink = sink;
    this.#batchLength = options.batchLength ?? 4096;
    this.#intervalMs = options.intervalMs ?? 100;
  }

  /** Gathers one line (pino writes each line whole, newline included). */
  write(line: string): void {
    this.#lines.push(line);
    this.#length += line.length;
    if (this.#length >= this.#batchLength) this.#handOver();
    else if (this.#timer === undefined) this.#arm();
  }

  /** Hands what has gathered to the sink and calls back once the sink has written it (pino's `logger.flush`). */
  flush(cb?: (error?: Error) => unknown): void {
    this.#handOver();
    this.#sink.flush(cb);
  }

  /** Writes what has gathered, and what the sink holds, before returning. */
  flushSync(): void {
    // sonic-boom's flushSync writes what it holds, not a write it has started: handed the batch while
    // idle, an asynchronous sink would start one (in the thread pool, perhaps busy) and this would return
    // before the batch is written, or the process exit without it. So the batch goes in while the sink
    // writes synchronously (`sync` is read at each write). sonic-boom still does the writing and its
    // retries.
    const sink = this.#sink as BatchSink & { sync: boolean };
    const wasSync = sink.sync;
    sink.sync = true;
    try {
      this.#handOver();
    } finally {
      sink.sync = wasSync;
    }
    sink.flushSync();
  }

  /** Hands what has gathered to the sink and ends it; nothing stays registered. */
  end(): void {
    this.#handOver();
    this.#disarm();
    this.#sink.end();
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      this.#disarm();
      if (this.#sinkEnded()) this.#drop();
      else this.#handOver();
    }, this.#intervalMs);
    this.#timer.unref();
    process.on("exit", this.#onExit);
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    process.off("exit", this.#onExit);
  }

  #handOver(): void {
    const lines = this.#lines;
    if (lines.length === 0) return;
    this.#lines = [];
    this.#length = 0;
    this.#sink.write(lines.length === 1 ? (lines[0] as string) : lines.join(""));
  }

  #drop(): void {
    this.#lines = [];
    this.#length = 0;
  }

  /**
   * True once the sink has ended (`end` was called): lines logged since cannot be written, and are
   * dropped by the timer and the exit listener rather than thrown from them.
   */
  #sinkEnded(): boolean {
    // `destroyed` is a public field of sonic-boom's stream that its type declarations leave out.
    return (this.#sink as { destroyed?: boolean }).destroyed === true;
  }
}
