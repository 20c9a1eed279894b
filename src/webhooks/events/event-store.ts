import { type NativeQuery, rowsOf } from "../../db/index.ts";
import { type KeysetPage, keysetSql } from "../../paging/index.ts";
import { EVENT_COLUMNS } from "./event-message.ts";

/**
 * Every read of `webhook_events` (the receiver's group commit writes them: `event-writer.ts`). Rows are
 * returned as selected (`EVENT_COLUMNS`), for `toEventMessage`.
 */
export interface EventStore {
  /** Stored events per endpoint, for the given ids (an endpoint without any is missing). */
  acceptedEvents(endpointIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * One page of an endpoint's events, newest first; `eventKey` ("" for any) matches the key and the keys
   * below it (`message` matches `message.channels`).
   */
  list(
    endpointId: string,
    eventKey: string,
    page: KeysetPage,
  ): Promise<{ page: Record<string, unknown>[]; next: string }>;
  find(id: string): Promise<Record<string, unknown> | undefined>;
  /** The events the given jobs deliver. */
  ofJobs(jobIds: readonly string[]): Promise<Record<string, unknown>[]>;
}

/** The webhook events' reads, on `query`. */
export function createEventStore(query: NativeQuery): EventStore {
  return {
    async acceptedEvents(endpointIds) {
      const counted = new Map<string, number>();
      if (endpointIds.length === 0) return counted;
      const result = await query(
        "select endpoint_id, count(*)::int as n from webhook_events where endpoint_id = any($1::uuid[]) group by endpoint_id",
        [endpointIds],
      );
      for (const row of rowsOf(result)) counted.set(String(row.endpoint_id), Number(row.n));
      return counted;
    },

    async list(endpointId, eventKey, page) {
      const sql = keysetSql(page, { at: "e.received_at", id: "e.id" });
      const values: unknown[] = [endpointId, eventKey];
      const result = await query(
        `select ${EVENT_COLUMNS}, ${sql.select} from webhook_events e
          where e.endpoint_id = $1 and ($2 = '' or e.event_key = $2 or starts_with(e.event_key, $2 || '.')) ${sql.after(values)}
          order by e.received_at desc, e.id desc ${sql.limit(values)}`,
        values,
      );
      return page.finish(rowsOf(result), sql.cursorOf);
    },

    async find(id) {
      return rowsOf(await query(`select ${EVENT_COLUMNS} from webhook_events e where e.id = $1`, [id]))[0];
    },

    async ofJobs(jobIds) {
      const result = await query(
        `select ${EVENT_COLUMNS} from webhook_events e where e.job_id = any($1::uuid[])`,
        [jobIds],
      );
      return rowsOf(result);
    },
  };
}
