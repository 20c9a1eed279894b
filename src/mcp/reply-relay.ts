import { randomUUID } from "node:crypto";
import type { JSONRPCErrorResponse, JSONRPCResultResponse } from "@modelcontextprotocol/sdk/types.js";
import type { NativeQuery, NotificationListener } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";

/** Where a replica announces a client's answer it stored for another replica (migration m0019). */
export const REPLY_CHANNEL = "mcp_replies";

/** A client's answer to a request the server sent it. */
export type ClientReply = JSONRPCResultResponse | JSONRPCErrorResponse;

/** The form of the ids Patchbay gives its server-to-client requests. */
const WIRE_ID = /^pb-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Carries a client's answers to the server's own requests (`sampling/createMessage`) to the request that
 * waits for them. MCP is served statelessly, so the answer comes in a later POST that any replica may
 * receive: each waiting request gets an unguessable id of its own, bound to the caller's key; an answer
 * that reaches the replica that waits is handed over at once, one that reaches another replica is stored
 * (`mcp_replies`) and announced, and the waiting replica takes it. An answer from another key is never
 * handed over; one for nobody is dropped (stored ones after five minutes).
 */
export interface ReplyRelay {
  /** Waits for one answer on behalf of `keyId`; returns the request's wire id and what stops waiting. */
  expect(keyId: string, deliver: (reply: ClientReply) => void): { id: string; cancel: () => void };
  /** Hands a client's answer (from a POST authenticated as `keyId`) to whoever waits for it. */
  hand(keyId: string, reply: ClientReply): Promise<void>;
  /** Hears answers stored by other replicas and sweeps old ones; returns what stops it. */
  start(notifications: NotificationListener): Promise<() => Promise<void>>;
}

/** What {@link createReplyRelay} needs. */
export interface ReplyRelayDeps {
  readonly query: NativeQuery;
  readonly logger: Logger;
}

interface Waiting {
  readonly keyId: string;
  readonly deliver: (reply: ClientReply) => void;
}

export function createReplyRelay(deps: ReplyRelayDeps): ReplyRelay {
  const waiting = new Map<string, Waiting>();

  // Takes a stored answer for a request waiting here (only the first taker gets the row).
  const take = async (id: string) => {
    const entry = waiting.get(id);
    if (entry === undefined) return;
    const { rows } = await deps.query(
      "delete from mcp_replies where id = $1 and key_id = $2 returning body",
      [id, entry.keyId],
    );
    const row = rows[0] as { body: ClientReply } | undefined;
    if (row !== undefined && waiting.delete(id)) entry.deliver({ ...row.body, id });
  };
  const takeLogged = (id: string) => {
    take(id).catch((error: unknown) =>
      deps.logger.warn({ err: error }, "taking an MCP client answer failed"),
    );
  };

  return {
    expect(keyId, deliver) {
      const id = `pb-${randomUUID()}`;
      waiting.set(id, { keyId, deliver });
      return { id, cancel: () => waiting.delete(id) };
    },
    async hand(keyId, reply) {
      const id = reply.id;
      if (typeof id !== "string" || !WIRE_ID.test(id)) return;
      const entry = waiting.get(id);
      if (entry !== undefined) {
        if (entry.keyId === keyId && waiting.delete(id)) entry.deliver(reply);
        return;
      }
      // Waited for elsewhere (or by nobody): stored for the replica that waits, which takes it when told.
      await deps.query(
        `with stored as (
           insert into mcp_replies (id, key_id, body) values ($1, $2, $3) on conflict (id, key_id) do nothing returning id
         ) select pg_notify('${REPLY_CHANNEL}', id) from stored`,
        [id, keyId, JSON.stringify(reply)],
      );
    },
    async start(notifications) {
      let deafened = false;
      const stop = await notifications.listen(REPLY_CHANNEL, {
        notified: takeLogged,
        // Answers stored while nobody listened are looked for once listening again.
        listening: () => {
          if (deafened) for (const id of waiting.keys()) takeLogged(id);
          deafened = false;
        },
        deaf: () => {
          deafened = true;
        },
      });
      const sweep = setInterval(() => {
        deps
          .query("delete from mcp_replies where created_at < now() - interval '5 minutes'")
          .catch((error: unknown) => deps.logger.warn({ err: error }, "sweeping MCP client answers failed"));
      }, 60_000);
      sweep.unref();
      return async () => {
        clearInterval(sweep);
        await stop();
      };
    },
  };
}
