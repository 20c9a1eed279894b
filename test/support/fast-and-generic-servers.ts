import { startTestServer, type TestServer } from "./test-server.ts";

/** Two servers on one database: one with the unary fast path, one answering through Connect's handlers. */
export interface FastAndGeneric {
  readonly fast: TestServer;
  readonly generic: TestServer;
  /** A key of both (they share the database), with `scopes`. */
  readonly key: string;
  stop(): Promise<void>;
}

/** Starts the pair that parity tests compare answer by answer. */
export async function startFastAndGeneric(scopes: readonly string[]): Promise<FastAndGeneric> {
  // Rate limit counters are shared by the two, and their headers would differ by one.
  const fast = await startTestServer("postgresql", { PATCHBAY_RATE_LIMITS: "off" });
  const generic = await startTestServer("postgresql", {
    ...fast.env,
    PATCHBAY_PORT: "0",
    PATCHBAY_UNARY_FAST_PATH: "off",
  });
  const key = await fast.createKey([...scopes]);
  return {
    fast,
    generic,
    key,
    async stop() {
      await generic.stop();
      await fast.stop();
    },
  };
}
