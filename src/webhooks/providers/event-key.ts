import type { ProviderName } from "./provider-verifier.ts";

/** Longest segment kept; provider type names are far shorter, this only bounds hostile input. */
const MAX_SEGMENT = 64;

/**
 * The normalized event key "<provider>.<segment>...": each segment lowercased, every character
 * outside [a-z0-9_] replaced by `_`, cut to 64 characters; missing or empty segments are dropped.
 */
export function eventKey(provider: ProviderName, ...segments: readonly (string | undefined)[]): string {
  const parts: string[] = [provider];
  for (const segment of segments) {
    if (segment === undefined || segment === "") continue;
    parts.push(
      segment
        .toLowerCase()
        .replace(/[^a-z0-9_]/g, "_")
        .slice(0, MAX_SEGMENT),
    );
  }
  return parts.join(".");
}
