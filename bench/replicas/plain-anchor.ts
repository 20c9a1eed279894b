import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { processCpuMs } from "../support/process-cpu.ts";
import { type PortChild, startPortChild } from "../support/start-port-child.ts";
import { openLoopAsync } from "../support/wrk-async.ts";
import { writeDeliveries } from "../support/wrk-deliveries.ts";

/** One window of the anchor: all the load on one plain receiver, or half of it on each of two. */
export interface AnchorWindow {
  readonly phase: "one" | "two";
  readonly ok: number;
  readonly errors: number;
  /** Both receivers' CPU µs per delivery. */
  readonly serverUs: number;
  readonly p99: number;
}

/** Two plain receivers (bench/replicas/plain-receiver.ts), each in a process of its own. */
export interface PlainAnchor {
  /**
   * Sends `rate` deliveries a second for `seconds` in an open loop: all to receiver 1 (receiver 2
   * paused, as Patchbay's replica 2 is) for "one", half to each for "two".
   */
  measure(phase: "one" | "two", tag: string, rate: number, seconds: string): Promise<AnchorWindow>;
  stop(): Promise<void>;
}

/**
 * Starts the anchor of the webhook workload: two plain Node receivers that verify and parse each
 * delivery, so that their "two ÷ one" tells how much a process's CPU per delivery grows on this machine
 * when its rate halves and a second process runs beside it, with nothing shared between them. They keep
 * nothing: a plain receiver that also inserted each delivery on its own (one commit per delivery) ran at
 * this machine's limit at 2,000 deliveries/s, with a p99 up to half a second, which is no yardstick.
 */
export async function startPlainAnchor(options: {
  readonly secret: string;
  readonly dir: string;
  /** How long to wait after a window. */
  readonly settleMs: number;
}): Promise<PlainAnchor> {
  const receivers: PortChild[] = [];
  try {
    for (let i = 0; i < 2; i++)
      receivers.push(await startPortChild("bench/replicas/plain-receiver.ts", [options.secret]));
  } catch (error) {
    await Promise.all(receivers.map((r) => r.stop()));
    throw error;
  }
  const pids = receivers.map((r) => r.process.pid ?? 0);
  return {
    async measure(phase, tag, rate, seconds) {
      const targets = phase === "one" ? receivers.slice(0, 1) : receivers;
      const perReceiver = rate / targets.length;
      const files = await Promise.all(
        targets.map((_, i) =>
          writeDeliveries(
            options.dir,
            `${tag}-${i}`,
            `${tag}-${i}-`,
            Math.ceil(perReceiver * Number(seconds)) + 1,
            options.secret,
          ),
        ),
      );
      if (phase === "one") process.kill(pids[1] ?? 0, "SIGSTOP");
      try {
        const server0 = pids.map(processCpuMs);
        const results = await Promise.all(
          targets.map((r, i) =>
            openLoopAsync(`http://127.0.0.1:${r.port}/`, files[i] ?? "", perReceiver, seconds),
          ),
        );
        const server1 = pids.map(processCpuMs);
        const ok = results.reduce((a, r) => a + r.ok, 0);
        const serverMs = server1.reduce((a, ms, i) => a + ms - (server0[i] ?? 0), 0);
        return {
          phase,
          ok,
          errors: results.reduce((a, r) => a + r.errors, 0),
          serverUs: (serverMs * 1000) / Math.max(1, ok),
          p99: Math.max(...results.map((r) => r.p99)),
        };
      } finally {
        if (phase === "one") process.kill(pids[1] ?? 0, "SIGCONT");
        for (const file of files) rmSync(file, { force: true });
        // The next window starts on a machine as quiet as Patchbay's windows do.
        await sleep(options.settleMs);
      }
    },
    async stop() {
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGCONT");
        } catch {}
      }
      await Promise.all(receivers.map((r) => r.stop()));
    },
  };
}
