/**
 * Whether a catalog entry can be used now: the values of `availability` in the catalog API, declared
 * once here. A connector row stores one only when an operator set it; otherwise it is derived
 * (`availabilityOf`).
 */
export const AVAILABILITIES = ["available", "coming_soon", "not_configured", "disabled"] as const;

/** One of {@link AVAILABILITIES}. */
export type Availability = (typeof AVAILABILITIES)[number];

/** True when `value` names an availability. */
export function isAvailability(value: string): value is Availability {
  return (AVAILABILITIES as readonly string[]).includes(value);
}
