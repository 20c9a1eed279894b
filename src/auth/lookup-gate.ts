import { Code, ConnectError } from "@connectrpc/connect";

/** Runs work a few at a time, in order of arrival; see {@link createLookupGate}. */
export type LookupGate = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * A gate that lets at most `atOnce` runs of work go at a time and keeps up to `waiting` more in line,
 * first come first served. One more than that is refused at once with UNAVAILABLE and `retry-after: 1`:
 * the line is full.
 */
export function createLookupGate(atOnce: number, waiting: number): LookupGate {
  const line: (() => void)[] = [];
  let running = 0;
  return async (work) => {
    if (running < atOnce) running++;
    else if (line.length >= waiting) {
      throw new ConnectError("too many API key checks at once; try again", Code.Unavailable, [
        ["retry-after", "1"],
      ]);
    } else {
      // The slot is handed over by the run that ends: `running` stays as it is.
      await new Promise<void>((go) => line.push(go));
    }
    try {
      return await work();
    } finally {
      const next = line.shift();
      if (next === undefined) running--;
      else next();
    }
  };
}
