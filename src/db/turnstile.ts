/** Runs work at most a few at a time, in order of arrival; see {@link createTurnstile}. */
export interface Turnstile {
  <T>(work: () => Promise<T>): Promise<T>;
  /** Runs waiting for their turn now. */
  waiting(): number;
}

/** How long the line may get, and what a call past it gets. */
export interface TurnstileLine {
  readonly waiting: number;
  readonly refuse: () => Error;
}

/**
 * Lets at most `atOnce` runs of work go at a time; the rest wait their turn, first come first served.
 * With `line`, at most `line.waiting` wait, and one more is refused at once with `line.refuse()`.
 */
export function createTurnstile(atOnce: number, line?: TurnstileLine): Turnstile {
  const queue: (() => void)[] = [];
  let running = 0;
  const enter = async <T>(work: () => Promise<T>): Promise<T> => {
    if (running < atOnce) running++;
    else if (line !== undefined && queue.length >= line.waiting) throw line.refuse();
    // The turn is handed over by the run that ends: `running` stays as it is.
    else await new Promise<void>((go) => queue.push(go));
    try {
      return await work();
    } finally {
      const next = queue.shift();
      if (next === undefined) running--;
      else next();
    }
  };
  return Object.assign(enter, { waiting: () => queue.length });
}
