/**
 * Whether a signed timestamp lies within ±window of now. Both directions are refused: a timestamp
 * from the future, once signed, would stay replayable for longer than the window promises.
 */
export function isWithinWindow(now: Date, timestampMs: number, windowMs: number): boolean {
  return Number.isFinite(timestampMs) && Math.abs(now.getTime() - timestampMs) <= windowMs;
}
