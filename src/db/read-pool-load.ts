/** A pool's connections right now. */
export interface PoolLoad {
  /** Connections open. */
  readonly size: number;
  /** Connections open and free. */
  readonly idle: number;
  /** Work waiting for a connection. */
  readonly waiting: number;
}

/** The slice of node-postgres's `Pool` read here. */
export interface PoolCounts {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/** A node-postgres pool's load as the pool itself counts it. */
export function readPoolLoad(pool: PoolCounts): PoolLoad {
  return { size: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}
