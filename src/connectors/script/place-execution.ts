/** What {@link placeExecution} needs of a process: how many executions it has been sent and not answered. */
export interface Placeable {
  readonly pending: { readonly size: number };
}

/**
 * Which of the open processes an execution goes to, undefined when every one already has `slots ×
 * sentPerSlot`. The tenant's home process (where its warm isolates are) if an isolate is free there; else
 * another with a free isolate (a cold isolate costs far less than waiting). With every isolate busy it
 * waits at home while home has fewer than `slots` more executions than the least busy process, else in
 * the least busy. (Waiting at home whenever it had room, with many executions sent per slot, left a busy
 * tenant's other processes nothing waiting: each of their isolates idled for a round trip to the service
 * after every execution.)
 */
export function placeExecution<T extends Placeable>(
  open: readonly T[],
  home: T,
  slots: number,
  sentPerSlot: number,
): T | undefined {
  if (home.pending.size < slots) return home;
  const idle = leastBusy(open, slots);
  if (idle !== undefined) return idle;
  const full = slots * sentPerSlot;
  const least = leastBusy(open, full);
  if (least === undefined) return undefined;
  return home.pending.size < full && home.pending.size < least.pending.size + slots ? home : least;
}

/** The process with the fewest executions among those with fewer than `below`. */
function leastBusy<T extends Placeable>(open: readonly T[], below: number): T | undefined {
  let best: T | undefined;
  for (const sandbox of open) {
    if (sandbox.pending.size >= below) continue;
    if (best === undefined || sandbox.pending.size < best.pending.size) best = sandbox;
  }
  return best;
}
