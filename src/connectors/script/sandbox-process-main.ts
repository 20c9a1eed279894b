/**
 * Entry point of a sandbox process: runs script executions on its own isolated-vm isolates (pooled per
 * tenant) and reaches the world only through the service over IPC (HTTP calls, log lines). It answers the
 * service's heartbeats from its event loop, which never waits for a script, so a process whose isolates
 * are all busy is still seen as alive. The service kills it with SIGKILL when an isolate is lost or when
 * it stops answering; it ends itself the same way when the service goes away.
 */

import { createOutboundClient, type OutboundClient } from "../../outbound/index.ts";
import { batchedSender } from "./batched-sender.ts";
import { MAX_LOG_CHARS } from "./host-bridge.ts";
import { createIsolateMeter } from "./isolate-meter.ts";
import { createIsolatePool, type IsolatePool } from "./isolate-pool.ts";
import { runInIsolate } from "./run-in-isolate.ts";
import type { ScriptHttpRequest, ScriptHttpResponse, ScriptRunOptions } from "./run-script-options.ts";
import type { FromSandbox, ToSandbox } from "./sandbox-messages.ts";
import type { SandboxStats } from "./sandbox-stats.ts";
import { ScriptErrorCode, scriptFailure } from "./script-error-code.ts";

/** An outbound call failure as the host bridge expects it: a message and an optional code. */
class HttpFailure extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.code = code;
  }
}

/** An idle isolate is disposed after this long. */
const IDLE_MS = 60_000;
/**
 * The isolates are measured this often, and reported to the service when the figures changed: fresh
 * enough for a scrape every 15 s, and measuring costs a task on each isolate's thread, not on executions.
 */
const STATS_MS = 5_000;

/** What an `httpModule` exports: `scriptHttp`, called with the process's own outbound client. */
type ScriptHttp = (request: ScriptHttpRequest, outbound: OutboundClient) => Promise<ScriptHttpResponse>;

/** The `patchbay.http` of this process: the module's `scriptHttp` over the process's outbound client. */
async function loadHttp(httpModule: string, outbound: OutboundClient): Promise<ScriptRunOptions["http"]> {
  const module = (await import(httpModule)) as { scriptHttp?: ScriptHttp };
  const scriptHttp = module.scriptHttp;
  if (typeof scriptHttp !== "function") throw new Error("httpModule exports no scriptHttp");
  return (request) => scriptHttp(request, outbound);
}

/**
 * Serves the service over this process's IPC channel. Its state (the isolates, the outbound client made
 * from the egress allow-list "init" brings, the calls in flight) lives here, built from what the service
 * sends, never from anything of the service's own memory.
 */
function serveSandbox(): void {
  const running = new Map<number, AbortController>();
  /** The process's own `patchbay.http` (its outbound client, or a test's module), set by "init". */
  let localHttp: Promise<ScriptRunOptions["http"]> | undefined;
  /** The isolates, made by "init": `slots` run at once, the other executions the service sent wait. */
  let pool: IsolatePool | undefined;
  const calls = new Map<
    number,
    { resolve(response: ScriptHttpResponse): void; reject(error: Error): void }
  >();
  let nextCall = 0;

  const send = batchedSender<FromSandbox>(
    (batch) => {
      // Without the service there is nobody to answer; 'disconnect' ends the process.
      if (process.connected) process.send?.(batch, undefined, undefined, () => undefined);
    },
    () => running.size > 4,
  );

  async function run(message: Extract<ToSandbox, { t: "run" }>): Promise<void> {
    const controller = new AbortController();
    running.set(message.id, controller);
    let result: FromSandbox & { t: "done" };
    try {
      const http = message.relay ? relay(message.id) : await localHttp;
      if (http === undefined || pool === undefined)
        throw new Error("the sandbox process was not initialised");
      const outcome = await runInIsolate(
        pool,
        message.source,
        message.command,
        message.input,
        {
          tenant: message.tenant,
          ...(message.limits ? { limits: message.limits } : {}),
          signal: controller.signal,
          log: (level, text, fields) => send({ t: "log", id: message.id, level, message: text, fields }),
          http,
        },
        message.waitedMs,
      );
      result = { t: "done", id: message.id, result: outcome };
    } catch {
      // runInIsolate does not reject for anything a script does; this is a sandbox fault.
      result = {
        t: "done",
        id: message.id,
        result: scriptFailure(ScriptErrorCode.SCRIPT_SANDBOX_LOST, "the script sandbox failed"),
      };
    }
    running.delete(message.id);
    send(result);
  }

  /** `patchbay.http` answered by the service: each call goes up the channel and waits for its answer. */
  function relay(id: number): ScriptRunOptions["http"] {
    return ({ signal, ...request }) =>
      new Promise<ScriptHttpResponse>((resolve, reject) => {
        const call = ++nextCall;
        calls.set(call, { resolve, reject });
        signal?.addEventListener(
          "abort",
          () => {
            if (!calls.delete(call)) return;
            send({ t: "http-abort", call });
            reject(new HttpFailure("the execution has ended", undefined));
          },
          { once: true },
        );
        send({ t: "http", id, call, request });
      });
  }

  function settle(message: Extract<ToSandbox, { t: "http-done" | "http-failed" }>): void {
    const waiting = calls.get(message.call);
    if (waiting === undefined) return;
    calls.delete(message.call);
    if (message.t === "http-done") waiting.resolve(message.response);
    else waiting.reject(new HttpFailure(message.message, message.code));
  }

  /** Measures the isolates every STATS_MS, one round at a time, and sends the figures when they changed. */
  function reportStats(): void {
    const meter = createIsolateMeter();
    let sent: SandboxStats | undefined;
    const round = async (): Promise<void> => {
      if (pool !== undefined) {
        // A busy isolate answers after its running task: waiting half a round for it is plenty.
        const stats = await meter.read(pool.isolates(), STATS_MS / 2);
        if (
          stats.isolates !== sent?.isolates ||
          stats.heapUsedBytes !== sent.heapUsedBytes ||
          stats.heapTotalBytes !== sent.heapTotalBytes
        ) {
          sent = stats;
          send({ t: "stats", stats });
        }
      }
      setTimeout(() => void round(), STATS_MS).unref();
    };
    setTimeout(() => void round(), STATS_MS).unref();
  }

  process.on("message", (batch: ToSandbox[]) => {
    for (const message of batch) receive(message);
  });

  function receive(message: ToSandbox): void {
    switch (message.t) {
      case "init":
        localHttp = loadHttp(message.httpModule, createOutboundClient({ allow: message.egressAllow }));
        // An unusable module fails each execution (SCRIPT_SANDBOX_LOST), not the process.
        localHttp.catch(() => undefined);
        pool = createIsolatePool({
          slots: message.slots,
          tenantShare: message.share,
          // Warm isolates for many tenants at once (each costs 2–3 MB; a cold one 5–20 ms to make), given
          // back a minute after their last use.
          maxIdle: 64,
          idleMs: IDLE_MS,
          logChars: MAX_LOG_CHARS,
          onCatastrophicError: () => send({ t: "lost" }),
        });
        setInterval(() => pool?.sweep(), IDLE_MS / 4).unref();
        reportStats();
        return;
      case "run":
        void run(message);
        return;
      case "abort":
        running.get(message.id)?.abort();
        return;
      case "http-done":
      case "http-failed":
        settle(message);
        return;
      case "ping":
        send({ t: "pong", seq: message.seq });
        return;
    }
  }
}

serveSandbox();

// A lost isolate's thread keeps the process from exiting normally: without the service, end at once.
process.on("disconnect", () => process.kill(process.pid, "SIGKILL"));
