import { Code, ConnectError } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import { isUniqueViolation } from "../db/index.ts";
import type { ExecuteReply } from "./execute-reply.ts";
import { ExecutionEntity, type ExecutionRow } from "./execution-entity.ts";
import { fromLegacyResult } from "./legacy-replay.ts";
import type { RunOutcome } from "./run-command.ts";
import { storable } from "./storable.ts";
import { fromStoredReply, toStoredReply } from "./stored-reply.ts";

/** How long a key answers its first call again (documented in execute.proto and docs/execute.md). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
// The unique index (m0011) that lets one replica only claim a key of a subject.
const KEY_INDEX = "executions_idempotency_idx";

/** One call under an idempotency key: whose key it is, and which request it carries. */
export interface IdempotentCall {
  readonly tenantId: string;
  readonly subject: string;
  readonly key: string;
  /** `requestHash` of the request: the same key with another request is a conflict. */
  readonly requestHash: string;
}

/** A key this call now holds: its command runs, then `complete` stores what it answered. */
export interface ClaimedKey {
  readonly kind: "claimed";
  /** The id of the claim's record, which the call's reply carries. */
  readonly executionId: string;
  /**
   * Stores the finished call's record and reply on the claim; a retry answers that reply from now on.
   * `outcome` is written in the previous release's shape too (`result`), so that a replica of that
   * release, during a rolling deploy or after a rollback, replays the call instead of answering
   * "still running" for the key's whole day. Drop it, with legacy-replay.ts, one release later.
   */
  complete(record: ExecutionRow, reply: ExecuteReply, outcome: RunOutcome): Promise<void>;
  /**
   * Stores the record of a call that did not run to its end (a stop of the server ended its command) and
   * lets the key go: the record is kept without the key, and a retry with it runs the command again.
   */
  release(record: ExecutionRow): Promise<void>;
}

/** What an earlier call with the key answered, to be answered again. */
export interface Replay {
  readonly kind: "replay";
  readonly reply: ExecuteReply;
}

/** Execute's idempotency keys, held in `executions`, so that every replica agrees. */
export interface IdempotencyKeys {
  /**
   * Claims the key for a call about to run, with a synchronous record (`status` running) made from
   * `record`; or returns the reply of the earlier call that holds it within the window. Throws
   * ALREADY_EXISTS when that call carried another request, ABORTED while it still runs.
   */
  claim(call: IdempotentCall, record: ExecutionRow): Promise<ClaimedKey | Replay>;
}

/** What Execute needs for its keys: the database and the clock. */
export interface IdempotencyDeps {
  em: () => EntityManager;
  now: () => Date;
}

/** The reply a row holds for `requestHash`; throws when it conflicts or has none yet. */
function replayOf(row: ExecutionRow, requestHash: string): Replay {
  if (row.requestHash !== requestHash) {
    throw new ConnectError("idempotency_key was already used with a different request", Code.AlreadyExists);
  }
  if (row.reply != null) return { kind: "replay", reply: fromStoredReply(row.reply) };
  if (row.result != null) return { kind: "replay", reply: fromLegacyResult(row.result) };
  throw new ConnectError("a call with this idempotency_key is still running", Code.Aborted);
}

/** Execute's idempotency keys on the database. */
export function createIdempotencyKeys(deps: IdempotencyDeps): IdempotencyKeys {
  const holder = (call: IdempotentCall) => ({
    tenantId: call.tenantId,
    subject: call.subject,
    idempotencyKey: call.key,
  });

  /** The earlier call's replay; undefined when no call holds the key (an expired one lets it go). */
  async function find(em: EntityManager, call: IdempotentCall): Promise<Replay | undefined> {
    const row = await em.findOne(ExecutionEntity, holder(call));
    if (row === null) return undefined;
    if (deps.now().getTime() - row.createdAt.getTime() < IDEMPOTENCY_WINDOW_MS) {
      return replayOf(row, call.requestHash);
    }
    row.idempotencyKey = null;
    await em.flush();
    return undefined;
  }

  return {
    async claim(call, record) {
      const em = deps.em();
      const earlier = await find(em, call);
      if (earlier !== undefined) return earlier;
      const claim = em.create(ExecutionEntity, {
        ...record,
        status: "running",
        requestHash: call.requestHash,
        // Params are recorded (when the connector opts in) with the finished call, scrubbed of its secrets.
        params: null,
        result: null,
        reply: null,
      });
      try {
        await em.flush();
      } catch (error) {
        if (!isUniqueViolation(error, KEY_INDEX)) throw error;
        // Another replica claimed the key between the read and the insert: answer as its retry would be.
        const winner = await deps.em().findOne(ExecutionEntity, holder(call));
        if (winner === null) throw error;
        return replayOf(winner, call.requestHash);
      }
      return {
        kind: "claimed",
        executionId: claim.id,
        async complete(finished, reply, outcome) {
          // The command's output may hold text PostgreSQL refuses (U+0000): what is stored is cleaned, so
          // the key is never left "still running" by a write that failed after the command ran.
          Object.assign(claim, storable(finished), {
            requestHash: call.requestHash,
            createdAt: claim.createdAt,
            result: storable(outcome),
            reply: storable(toStoredReply(reply)),
          });
          await em.flush();
        },
        async release(finished) {
          // As an expired key is let go (`find`): the unique index holds only rows that have a key.
          Object.assign(claim, storable(finished), {
            idempotencyKey: null,
            requestHash: null,
            createdAt: claim.createdAt,
            result: null,
            reply: null,
          });
          await em.flush();
        },
      };
    },
  };
}
