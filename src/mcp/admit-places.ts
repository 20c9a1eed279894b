import type { Principal } from "../auth/index.ts";
import type { McpDeps } from "./mcp-deps.ts";

/**
 * Takes `places` of the key's in-flight places at once, or none: when one is refused, those already taken
 * are given back and the refusal (RESOURCE_EXHAUSTED with retry-after) is thrown. Returns the function that
 * gives them all back. Synchronous, so no other request of the key takes a place in between.
 */
export function admitPlaces(admit: McpDeps["admit"], principal: Principal, places: number): () => void {
  const taken: (() => void)[] = [];
  const leave = () => {
    for (const left of taken) left();
  };
  try {
    for (let i = 0; i < places; i++) taken.push(admit(principal));
  } catch (error) {
    leave();
    throw error;
  }
  return leave;
}
