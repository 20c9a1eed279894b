// Anchors for bench/execute: the least a Node server can do to answer the benchmark's Execute call
// correctly, with no listener sniffing and no Connect. It reads the request body to its end and sends
// the canned reply (bench/execute/canned-execute-reply.ts); any other path is a 404.
//   - `http1`: node:http, Connect unary JSON over HTTP/1.1;
//   - `h2c`: node:http2's core stream API (no compatibility layer), gRPC over cleartext HTTP/2: one
//     length-prefixed protobuf frame and a `grpc-status: 0` trailer.
// Prints `port=<n>` on stdout once listening; stops on SIGTERM.
//
//   node bench/execute/raw-echo-server.ts http1|h2c
import http from "node:http";
import http2 from "node:http2";
import type net from "node:net";
import { cannedExecuteReply, EXECUTE_PATH } from "./canned-execute-reply.ts";

const reply = cannedExecuteReply();
const mode = process.argv[2];

function rawHttp1(): net.Server {
  return http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    req.resume();
    req.once("end", () => {
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
    stream.resume();
    stream.once("end", () => {
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
  process.stderr.write("usage: node bench/execute/raw-echo-server.ts http1|h2c\n");
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
