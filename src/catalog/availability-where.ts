import type { EnvOAuthClients } from "./connector-message.ts";

/**
 * The database filter for one availability, the same rule as `availabilityOf` (connector-message.ts):
 * a stored availability wins; otherwise an OAuth connector without a client in its config or the
 * environment is not configured, and every other connector is available. Filtering in the database
 * keeps ListConnectors' pages bounded by page_size, whatever the catalog's size.
 */
export function availabilityWhere(availability: string, envClients?: EnvOAuthClients) {
  const envSlugs = envClients === undefined ? [] : [...envClients.keys()];
  if (availability === "available") {
    return {
      $or: [
        { availability: "available" },
        {
          availability: null,
          $or: [
            { authType: { $ne: "oauth" } },
            { sealedConfig: { $ne: null } },
            ...(envSlugs.length > 0 ? [{ slug: { $in: envSlugs } }] : []),
          ],
        },
      ],
    };
  }
  if (availability === "not_configured") {
    return {
      $or: [
        { availability: "not_configured" },
        {
          availability: null,
          authType: "oauth",
          sealedConfig: null,
          ...(envSlugs.length > 0 ? { slug: { $nin: envSlugs } } : {}),
        },
      ],
    };
  }
  return { availability };
}
