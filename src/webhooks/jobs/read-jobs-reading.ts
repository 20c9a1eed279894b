import type { WebhookJobsReading, WebhookQueueReading } from "../../metrics/index.ts";
import type { JobStore, LiveJobCount } from "./job-store.ts";

/** pg-boss's live states → the metrics' words (the API's, as in job-row.ts). */
const STATE = { created: "queued", retry: "retrying", active: "running", failed: "dead" } as const;
/** States whose due jobs wait for a worker or a consumer. */
const WAITING = new Set(["created", "retry"]);

function queueReading(counts: readonly LiveJobCount[]): WebhookQueueReading {
  const jobs = { queued: 0, retrying: 0, running: 0, dead: 0 };
  let waiting = 0;
  let oldestWaitingSeconds = 0;
  for (const count of counts) {
    if (!Object.hasOwn(STATE, count.state)) continue;
    jobs[STATE[count.state as keyof typeof STATE]] += count.jobs;
    if (WAITING.has(count.state)) {
      waiting += count.due;
      oldestWaitingSeconds = Math.max(oldestWaitingSeconds, count.oldestDueSeconds);
    }
  }
  return { jobs, waiting, oldestWaitingSeconds };
}

/** The webhook job gauges' reading: one aggregate over the jobs table (see `JobStore.liveCounts`). */
export async function readJobsReading(store: JobStore): Promise<WebhookJobsReading> {
  const counts = await store.liveCounts();
  return {
    delivery: queueReading(counts.filter((count) => count.queue === "delivery")),
    pull: queueReading(counts.filter((count) => count.queue === "pull")),
  };
}
