/** Limits of the long-lived streams (MCP notifications, on-premise agents) one process holds open at once. */
export interface StreamLimits {
  /** Streams of one API key. */
  readonly perKey: number;
  /**
   * Streams of one tenant, whatever its keys: well under `total`, since a tenant's admin key can make as
   * many keys as it likes and would otherwise take every stream of the process.
   */
  readonly perTenant: number;
  /** Streams of every tenant. */
  readonly total: number;
}

/** Which of the {@link StreamLimits} refused a stream. */
export type StreamLimit = keyof StreamLimits;

/** Whose a stream is. */
export interface StreamOwner {
  readonly keyId: string;
  readonly tenantId: string;
}

/**
 * The limit one more stream of `owner` would pass, with `open` the streams open now (`ownerOf` says
 * whose each is); undefined when it passes none.
 */
export function streamLimitPassed<T>(
  limits: StreamLimits,
  open: Iterable<T>,
  ownerOf: (stream: T) => StreamOwner,
  owner: StreamOwner,
): StreamLimit | undefined {
  let ofKey = 0;
  let ofTenant = 0;
  let total = 0;
  for (const each of open) {
    const stream = ownerOf(each);
    total++;
    if (stream.keyId === owner.keyId) ofKey++;
    if (stream.tenantId === owner.tenantId) ofTenant++;
  }
  if (ofKey >= limits.perKey) return "perKey";
  if (ofTenant >= limits.perTenant) return "perTenant";
  if (total >= limits.total) return "total";
  return undefined;
}
