import { createHash } from "node:crypto";
import type { Principal } from "../auth/index.ts";
import type { NotificationListener } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import { type StreamLimit, type StreamLimits, streamLimitPassed } from "../protocol/stream-limits.ts";

/** Where the database announces changes to tool lists (migration m0019's triggers). */
export const TOOL_LIST_CHANNEL = "mcp_tool_lists";

/** The defaults of {@link StreamLimits} (docs/mcp.md): a tenant may hold a tenth of the process's streams. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = { perKey: 4, perTenant: 100, total: 1_000 };

/** Which of the {@link StreamLimits} refused a stream, or `stopping` when the process has begun to stop. */
export type StreamRefusal = StreamLimit | "stopping";

/** One open stream, as the notices see it. */
export interface WatchedStream {
  readonly principal: Principal;
  /** Sends `notifications/tools/list_changed` on the stream. */
  readonly notify: () => void;
  /** Whether the stream's key still works (revoked or expired keys end their streams). */
  readonly keyValid: () => Promise<boolean>;
  /** Ends the stream. */
  readonly end: () => void;
}

/**
 * The open MCP notification streams of this process and what they are told: a change that can change a
 * stream's tool list (announced by the database for every write path, on any replica) sends it
 * `notifications/tools/list_changed`, once per burst. Streams whose key stops working end at the next
 * check; every stream ends when the process begins to stop, so its client reconnects to another replica.
 */
export interface ToolListNotices {
  /** Registers a stream; returns the function that forgets it, or what refused it. */
  watch(stream: WatchedStream): (() => void) | StreamRefusal;
  /** Hears the database's announcements and checks keys every `keyCheckMs`; returns what stops both. */
  start(notifications: NotificationListener): Promise<() => Promise<void>>;
  /** Ends every stream and refuses new ones (the process is stopping). */
  endAll(): void;
  /** Streams open now. */
  size(): number;
}

/** Options of {@link createToolListNotices}. */
export interface ToolListNoticesOptions {
  readonly logger: Logger;
  readonly limits?: StreamLimits;
  /** How often each stream's key is checked again (default 10 s). */
  readonly keyCheckMs?: number;
}

/** The announcement a change of this subject's connections makes (see migration m0019). */
export function subjectTopic(tenantId: string, subject: string): string {
  return `s:${md5(`${tenantId}\n${subject}`)}`;
}

/** The announcement a change of this tenant's own connectors makes; shared ones announce `*`. */
export function tenantTopic(tenantId: string): string {
  return `t:${md5(tenantId)}`;
}

function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

export function createToolListNotices(options: ToolListNoticesOptions): ToolListNotices {
  const limits = options.limits ?? DEFAULT_STREAM_LIMITS;
  const streams = new Set<WatchedStream>();
  const pending = new Set<WatchedStream>();
  let ending = false;
  let flushing = false;

  // A burst of announcements (one transaction writing many rows, or a reconnect) is one notice.
  const schedule = (stream: WatchedStream) => {
    pending.add(stream);
    if (flushing) return;
    flushing = true;
    setImmediate(() => {
      flushing = false;
      const due = [...pending];
      pending.clear();
      for (const s of due) if (streams.has(s)) s.notify();
    });
  };
  const heard = (topic: string) => {
    for (const stream of streams) {
      const { tenantId, subject } = stream.principal;
      if (topic === "*" || topic === tenantTopic(tenantId) || topic === subjectTopic(tenantId, subject)) {
        schedule(stream);
      }
    }
  };
  const checkKeys = async () => {
    for (const stream of [...streams]) {
      const valid = await stream.keyValid().catch(() => true);
      if (!valid && streams.has(stream)) stream.end();
    }
  };

  return {
    watch(stream) {
      if (ending) return "stopping";
      const passed = streamLimitPassed(limits, streams, (s) => s.principal, stream.principal);
      if (passed !== undefined) return passed;
      streams.add(stream);
      return () => {
        streams.delete(stream);
        pending.delete(stream);
      };
    },
    async start(notifications) {
      let deafened = false;
      const stop = await notifications.listen(TOOL_LIST_CHANNEL, {
        notified: heard,
        // Anything announced while nobody listened was missed: every stream is told to list again.
        listening: () => {
          if (deafened) heard("*");
          deafened = false;
        },
        deaf: () => {
          deafened = true;
        },
      });
      const timer = setInterval(() => {
        checkKeys().catch((error: unknown) =>
          options.logger.warn({ err: error }, "checking the keys of MCP streams failed"),
        );
      }, options.keyCheckMs ?? 10_000);
      timer.unref();
      return async () => {
        clearInterval(timer);
        await stop();
      };
    },
    endAll() {
      ending = true;
      for (const stream of [...streams]) stream.end();
    },
    size: () => streams.size,
  };
}
