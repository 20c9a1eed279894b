/** The embedded database cannot start; the message says why and what to do, in one line. */
export class EmbeddedPostgresError extends Error {
  override name = "EmbeddedPostgresError";
}
