import { ConnectError } from "@connectrpc/connect";

/** The error a call is refused with; fails the test when it succeeds (or fails with anything else). */
export async function refusalOf(call: () => Promise<unknown>): Promise<ConnectError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
  throw new Error("the call succeeded");
}
