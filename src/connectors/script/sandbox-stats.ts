/** The isolates a sandbox holds and their V8 heaps, as its processes last reported them. */
export interface SandboxStats {
  /** Isolates alive: idle warm ones and those running an execution. */
  readonly isolates: number;
  /** Bytes their heaps hold in live and not yet collected objects (V8's `used_heap_size`, summed). */
  readonly heapUsedBytes: number;
  /** Bytes V8 has reserved for their heaps (`total_heap_size`, summed): what the processes hold for them. */
  readonly heapTotalBytes: number;
}
