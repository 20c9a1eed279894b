// Anchors for bench/execute: the least a Node server can do to answer the benchmark's Execute call
// correctly, with no listener sniffing and no Connect. It reads the request body to its end and sends
// the canned reply (bench/execute/canned-execute-reply.ts); any other path is a 404.
//   - `http1`: node:http, Connect unary JSON over HTTP/1.1;
//   - `h2c`: node:http2's core stream API (no compatibility layer), gRPC over cleartext HTTP/2: one
//     length-prefixed protobuf frame and a `grpc-status: 0` trailer.
// With `paced`, the server also answers `POST /pace` (body: a whole number of µs) by busy-waiting that long
// before every answer from then on: the same raw work at a slower server's rate, so that the load generator
// waits and wakes per call as it does against that server (bench/execute/run.ts subtracts the wait).
// Prints `port=<n>` on stdout once listening; stops on SIGTERM.
//
//   node bench/execute/raw-echo-server.ts http1|h2c [paced]
import http from "node:http";
import http2 from "node:http2";
import type net from "node:net";
import { cannedExecuteReply, EXECUTE_PATH, PACE_PATH } from "./canned-execute-reply.ts";

const reply = cannedExecuteReply();
const mode = process.argv[2];
const paced = process.argv[3] === "paced";
let paceNs = 0n;

/**
 * Spins for the pace on the wall clock, keeping the core busy as a slower server would. A spin that the
 * kernel preempts burns less CPU than its length, so subtracting the pace understates the raw work: the
 * error favours the anchor, never the server it is compared with.
 */
function keepPace(): void {
  if (paceNs === 0n) return;
  const until = process.hrtime.bigint() + paceNs;
  while (process.hrtime.bigint() < until);
}

/** Sets the pace from a control request's body; false if the body is not a whole number of µs. */
function setPace(body: string): boolean {
  if (!/^\d{1,7}$/.test(body.trim())) return false;
  paceNs = BigInt(body.trim()) * 1000n;
  return true;
}

function rawHttp1(): net.Server {
  return http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    if (paced && req.url === PACE_PATH) {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (d: string) => {
        body += d;
      });
      req.once("end", () => {
        res.writeHead(setPace(body) ? 204 : 400);
        res.end();
      });
      return;
    }
    req.resume();
    req.once("end", () => {
      keepPace();
      if (req.url !== EXECUTE_PATH) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": reply.json.length });
      res.end(reply.json);
    });
  });
}

function rawH2c(): net.Server {
  const server = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => stream.destroy());
    if (paced && headers[":path"] === PACE_PATH) {
      let body = "";
      stream.setEncoding("utf8");
      stream.on("data", (d: string) => {
        body += d;
      });
      stream.once("end", () => stream.respond({ ":status": setPace(body) ? 204 : 400 }, { endStream: true }));
      return;
    }
    stream.resume();
    stream.once("end", () => {
      keepPace();
      if (headers[":path"] !== EXECUTE_PATH) {
        stream.respond({ ":status": 404 }, { endStream: true });
        return;
      }
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(reply.grpcFrame);
    });
  });
  return server as unknown as net.Server;
}

if (mode !== "http1" && mode !== "h2c") {
  process.stderr.write("usage: node bench/execute/raw-echo-server.ts http1|h2c [paced]\n");
  process.exit(2);
}
const server = mode === "http1" ? rawHttp1() : rawH2c();
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
process.stdout.write(`port=${(server.address() as net.AddressInfo).port}\n`);
process.once("SIGTERM", () => {
  server.close(() => process.exit(0));
  // Open keep-alive connections would hold close() back; the benchmark is over by now.
  setTimeout(() => process.exit(0), 2_000).unref();
});
