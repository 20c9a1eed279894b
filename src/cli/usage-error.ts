/** Errors the user can fix; printed as one line without a stack, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
