let lost = 0;

/** Records that V8 gave up on an isolate (isolated-vm's catastrophic error): its thread is gone for good. */
export function markIsolateLost(): void {
  lost++;
}

/**
 * Whether every isolate the sandbox made can still be reclaimed. Once one is lost the process holds a
 * thread and memory it cannot free and can only exit by SIGKILL: readiness turns false so that an
 * orchestrator replaces it.
 */
export function sandboxHealthy(): boolean {
  return lost === 0;
}
