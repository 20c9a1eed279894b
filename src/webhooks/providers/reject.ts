import type { RejectCode, VerifyOutcome } from "./provider-verifier.ts";

/**
 * HTTP status per reject code. Anything about who is calling is 401 so a prober learns nothing
 * more specific; only a body that authenticated but cannot be understood is the caller's 400.
 */
export const REJECT_STATUS: Readonly<Record<RejectCode, 400 | 401 | 403>> = {
  SIGNATURE_MISSING: 401,
  SIGNATURE_MISMATCH: 401,
  TIMESTAMP_STALE: 401,
  MALFORMED_BODY: 400,
  TOKEN_INVALID: 401,
};

/** The rejected outcome for a code, with its status from {@link REJECT_STATUS}. */
export function reject(code: RejectCode): VerifyOutcome {
  return { kind: "rejected", code, status: REJECT_STATUS[code] };
}
