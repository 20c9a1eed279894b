import { Code, ConnectError } from "@connectrpc/connect";

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
// Path segments the REST routes use beside /api/v1/connectors/{slug}.
const RESERVED = new Set(["parse-oas", "webhooks"]);

/** Checks a connector slug; INVALID_ARGUMENT naming `field` otherwise. */
export function requireSlug(slug: string, field = "slug"): void {
  if (!SLUG.test(slug)) {
    throw new ConnectError(
      `${field} must be 1-64 lowercase letters, digits and dashes`,
      Code.InvalidArgument,
    );
  }
  if (RESERVED.has(slug)) throw new ConnectError(`${field} '${slug}' is reserved`, Code.InvalidArgument);
}
