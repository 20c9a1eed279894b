/** What each tenant holds of a pool's slots: isolates in use and their memory limits. */
export interface TenantHoldings {
  /** Whether the tenant may take one more isolate with this memory limit now. */
  fits(tenant: string, memoryMb: number): boolean;
  /** The tenant took an isolate. */
  hold(tenant: string, memoryMb: number): void;
  /** The tenant gave one back. */
  letGo(tenant: string, memoryMb: number): void;
}

/**
 * Counts per tenant the isolates it holds and their memory limits added up, against `share` isolates and
 * `memoryMb` of limits. A tenant holding nothing may always take one, whatever its memory limit.
 */
export function createTenantHoldings(share: number, memoryMb: number): TenantHoldings {
  const held = new Map<string, { isolates: number; memoryMb: number }>();
  return {
    fits(tenant, limit) {
      const mine = held.get(tenant);
      return mine === undefined || (mine.isolates < share && mine.memoryMb + limit <= memoryMb);
    },
    hold(tenant, limit) {
      const mine = held.get(tenant);
      if (mine === undefined) held.set(tenant, { isolates: 1, memoryMb: limit });
      else {
        mine.isolates++;
        mine.memoryMb += limit;
      }
    },
    letGo(tenant, limit) {
      const mine = held.get(tenant);
      if (mine === undefined) return;
      mine.isolates--;
      mine.memoryMb -= limit;
      if (mine.isolates <= 0) held.delete(tenant);
    },
  };
}
