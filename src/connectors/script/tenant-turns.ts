/** Waiting items grouped by tenant: oldest first within a tenant, tenants served in turn. */
export interface TenantTurns<T> {
  /** Adds an item behind the tenant's others; a tenant not waiting yet gets the last turn. */
  add(tenant: string, item: T): void;
  /** Takes an item out (it was served or gave up); false when it was not waiting. */
  delete(tenant: string, item: T): boolean;
  /** Whether the item is still waiting. */
  has(tenant: string, item: T): boolean;
  /**
   * Each waiting tenant's oldest item, the tenant whose turn it is first. An item deleted while this is
   * read (it expired) is followed by its tenant's next one; stop reading once an item is served.
   */
  heads(): Generator<[tenant: string, item: T]>;
  /** Takes out the tenant's oldest item, which was just served, and gives the tenant the last turn. */
  serve(tenant: string, item: T): void;
  /** Items waiting, over all tenants. */
  size(): number;
  /** Items of one tenant waiting. */
  waiting(tenant: string): number;
  /** Takes every item out, oldest first per tenant. */
  clear(): T[];
}

/**
 * Round-robin between tenants, FIFO within one: whatever one tenant queues, another tenant's oldest
 * item is at most one turn per waiting tenant away from being served. Strict FIFO over everyone let a
 * tenant that queued first hold every slot as it freed.
 */
export function createTenantTurns<T>(): TenantTurns<T> {
  /** Insertion-ordered: the first tenant has the turn; a served tenant is put back at the end. */
  const tenants = new Map<string, Set<T>>();
  let count = 0;

  function remove(tenant: string, item: T): boolean {
    const items = tenants.get(tenant);
    if (items === undefined || !items.delete(item)) return false;
    count--;
    if (items.size === 0) tenants.delete(tenant);
    return true;
  }

  return {
    add(tenant, item) {
      let items = tenants.get(tenant);
      if (items === undefined) {
        items = new Set();
        tenants.set(tenant, items);
      }
      if (!items.has(item)) count++;
      items.add(item);
    },
    delete: remove,
    has: (tenant, item) => tenants.get(tenant)?.has(item) ?? false,
    *heads() {
      for (const [tenant, items] of tenants) {
        for (;;) {
          const head = items.values().next();
          if (head.done) break;
          yield [tenant, head.value];
          // Still there: not taken, the next tenant's turn. Gone: the tenant's next item.
          if (items.values().next().value === head.value) break;
        }
      }
    },
    serve(tenant, item) {
      if (!remove(tenant, item)) return;
      const items = tenants.get(tenant);
      if (items === undefined) return;
      tenants.delete(tenant);
      tenants.set(tenant, items);
    },
    size: () => count,
    waiting: (tenant) => tenants.get(tenant)?.size ?? 0,
    clear() {
      const all: T[] = [];
      for (const items of tenants.values()) all.push(...items);
      tenants.clear();
      count = 0;
      return all;
    },
  };
}
