/** What {@link placeExecution} needs of a process: the executions it has been sent and not answered. */
export interface Placeable {
  readonly pending: { readonly size: number };
  /** Of those, how many are each tenant's (a tenant with none may be missing). */
  readonly tenants: { get(tenant: string): number | undefined };
}

/** How much a process takes, and how much of it one tenant may have. */
export interface Capacity {
  /** Executions a process runs at once, one per isolate. */
  readonly slots: number;
  /** Executions a process is sent per slot at most, running and waiting there. */
  readonly sentPerSlot: number;
  /** Isolates of one process a tenant may hold at once (see tenantShare). */
  readonly share: number;
}

/**
 * Which of the open processes an execution of `tenant` goes to, undefined when none has room for it. A
 * process has room while it has fewer than `slots × sentPerSlot` executions and the tenant fewer than
 * `share × sentPerSlot` of them: the rest of a process's room stays for the other tenants, whatever one
 * tenant sends. The tenant's home process (where its warm isolates are) if an isolate is free there and
 * the tenant is under its share there; else another such process (a cold isolate costs far less than
 * waiting). Otherwise it waits at home while home has fewer than `slots` more executions than the least
 * busy process with room, else in that one. (Waiting at home whenever it had room, with many executions
 * sent per slot, left a busy tenant's other processes nothing waiting: each of their isolates idled for
 * a round trip to the service after every execution.)
 */
export function placeExecution<T extends Placeable>(
  open: readonly T[],
  home: T,
  tenant: string,
  capacity: Capacity,
): T | undefined {
  const { slots, sentPerSlot, share } = capacity;
  const mine = (sandbox: T): number => sandbox.tenants.get(tenant) ?? 0;
  const startsNow = (sandbox: T): boolean => sandbox.pending.size < slots && mine(sandbox) < share;
  if (startsNow(home)) return home;
  const idle = leastBusy(open, startsNow);
  if (idle !== undefined) return idle;
  const hasRoom = (sandbox: T): boolean =>
    sandbox.pending.size < slots * sentPerSlot && mine(sandbox) < share * sentPerSlot;
  const least = leastBusy(open, hasRoom);
  if (least === undefined) return undefined;
  return hasRoom(home) && home.pending.size < least.pending.size + slots ? home : least;
}

/** The process with the fewest executions among those `eligible` accepts. */
function leastBusy<T extends Placeable>(
  open: readonly T[],
  eligible: (sandbox: T) => boolean,
): T | undefined {
  let best: T | undefined;
  for (const sandbox of open) {
    if (!eligible(sandbox)) continue;
    if (best === undefined || sandbox.pending.size < best.pending.size) best = sandbox;
  }
  return best;
}
