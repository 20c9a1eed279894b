import { setTimeout as sleep } from "node:timers/promises";
import { defineCommand, defineConnector } from "../define/define-connector.ts";
import { t } from "../define/fields.ts";
import { succeed } from "../define/outcome.ts";

/** Longest wait the delay connector accepts (one hour); longer waits belong in a scheduler. */
const MAX_DELAY_MS = 3_600_000;

/** Waits (seed 004's `delay` built-in). The wait ends early when the call is cancelled. */
export const delayConnector = defineConnector({
  name: "delay",
  displayName: "Delay",
  version: "1.0.1",
  description: "Wait for delayMs milliseconds.",
  authType: "none",
  category: "utility",
  tags: ["flow"],
  defaultCommand: "wait",
  commands: {
    wait: defineCommand({
      description: "Wait for delayMs milliseconds.",
      readOnly: true,
      params: {
        delayMs: t.number({ default: 1000, description: "Milliseconds to wait (at most one hour)." }),
      },
      outputs: ["delayed"],
      async handler({ params, signal }) {
        const ms = Math.min(Math.max(0, params.delayMs), MAX_DELAY_MS);
        await sleep(ms, undefined, { signal });
        return succeed({ payload: { delayed: ms } });
      },
    }),
  },
});
