/**
 * Isolates of one sandbox process a tenant may hold at once: half of them, rounded up (and so at least
 * one). Isolates are not taken back from a running execution, so whatever one tenant holds (a script
 * awaiting a promise that never settles holds its isolate for its whole wall time, using no CPU) is lost
 * to the others until it ends: with this share the other tenants keep at least half of each process's
 * isolates, rounded down — one or more with the default slots (cores + 1, at least 2). Rounded up rather
 * than down because a tenant alone keeps its throughput: with three isolates a process (two cores), one
 * of three halved a lone tenant's executions per second in bench/script, two of three cost nothing
 * measurable. A tenant's executions beyond its share wait, their wall time running, while others' run.
 */
export function tenantShare(slots: number): number {
  return Math.max(1, Math.ceil(slots / 2));
}

/**
 * Executions of one tenant that may wait in the service's queue at once: three quarters of it, rounded up
 * (at least one), so the other tenants keep a quarter of the queue whatever one tenant queues.
 */
export function tenantQueueShare(queueMax: number): number {
  return Math.max(1, Math.ceil((queueMax * 3) / 4));
}
