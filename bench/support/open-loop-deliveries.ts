// Open-loop load: sends the deliveries of a file written by `writeDeliveries` (bench/support/wrk-deliveries.ts)
// to one receiver URL at a fixed rate, whatever the answers' pace — as providers send webhooks — instead
// of wrk's closed loop, where each connection waits for its answer before it sends again (which caps a
// replica's group commit at what its own connections have in flight). Latency is measured from when each
// delivery was due, not from when it could be sent, so a server that falls behind shows it. Prints one
// JSON line: { sent, ok, errors, failures (count by status or error code), rps, p50, p99 } (ms).
//
//   node bench/support/open-loop-deliveries.ts <url> <deliveries.tsv> <per second> <seconds>
import { readFileSync } from "node:fs";
import http from "node:http";
import { performance } from "node:perf_hooks";

const [url, file, rateText, secondsText] = process.argv.slice(2);
if (url === undefined || file === undefined || rateText === undefined || secondsText === undefined)
  throw new Error("usage: open-loop-deliveries.ts <url> <deliveries.tsv> <per second> <seconds>");
const rate = Number(rateText);
const seconds = Number(secondsText);
const lines = readFileSync(file, "utf8")
  .split("\n")
  .filter((line) => line !== "");
const target = new URL(url);
// Enough sockets that the rate, not the connections, sets the pace (loopback only).
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
const latencies: number[] = [];
let sent = 0;
let ok = 0;
let errors = 0;
/** What the errors were: an answer's status, or the request's error code. */
const failures: Record<string, number> = {};
const failed = (what: string) => {
  errors++;
  failures[what] = (failures[what] ?? 0) + 1;
};
let pending = 0;

function send(line: string, due: number): void {
  const [id, signature, body] = line.split("\t") as [string, string, string];
  pending++;
  const req = http.request(
    {
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: "POST",
      agent,
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "x-github-event": "issues",
        "x-github-delivery": id,
        "x-hub-signature-256": signature,
      },
    },
    (res) => {
      res.resume();
      res.on("end", () => {
        pending--;
        if (res.statusCode === 204) ok++;
        else failed(`status ${res.statusCode}`);
        latencies.push(performance.now() - due);
      });
    },
  );
  req.on("error", (error: NodeJS.ErrnoException) => {
    pending--;
    failed(error.code ?? error.name);
  });
  req.end(body);
}

const start = performance.now();
const total = Math.min(lines.length, Math.floor(rate * seconds));
const tick = setInterval(() => {
  const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
  while (sent < due) {
    send(lines[sent] as string, start + (sent / rate) * 1000);
    sent++;
  }
  if (sent >= total) clearInterval(tick);
}, 1);

await new Promise<void>((resolve) => {
  const wait = setInterval(() => {
    if (sent >= total && pending === 0) {
      clearInterval(wait);
      resolve();
    }
  }, 10);
});
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (q: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
const elapsed = (performance.now() - start) / 1000;
process.stdout.write(
  `${JSON.stringify({ sent, ok, errors, failures, rps: ok / elapsed, p50: at(0.5), p99: at(0.99) })}\n`,
);
