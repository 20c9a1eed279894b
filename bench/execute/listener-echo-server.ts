// Anchor for bench/execute: Patchbay's one-port listener (src/protocol/listener.ts: HTTP/1.1 and h2c told
// apart by the first bytes) with a handler that answers `ExecuteService/Execute` directly, without
// Connect: it reads the request body to its end and sends the canned reply — gRPC (length-prefixed
// protobuf, `grpc-status: 0` trailer) when the request's content type is gRPC, Connect JSON otherwise.
// Prints `port=<n>` on stdout once listening; stops on SIGTERM.
//
//   node bench/execute/listener-echo-server.ts
import { listen } from "../../src/protocol/listener.ts";
import type { NodeReq, NodeRes } from "../../src/protocol/node-types.ts";
import { cannedExecuteReply, EXECUTE_PATH } from "./canned-execute-reply.ts";

const reply = cannedExecuteReply();

function answer(req: NodeReq, res: NodeRes): void {
  if (req.url !== EXECUTE_PATH) {
    res.writeHead(404);
    res.end();
    return;
  }
  // The listener's handler type covers both HTTP versions; these calls exist on both responses.
  const out = res as NodeRes & {
    writeHead(status: number, headers: Record<string, string | number>): unknown;
    end(body?: Buffer): unknown;
    addTrailers(trailers: Record<string, string>): void;
  };
  if (req.headers["content-type"]?.startsWith("application/grpc")) {
    out.writeHead(200, { "content-type": "application/grpc" });
    out.addTrailers({ "grpc-status": "0" });
    out.end(reply.grpcFrame);
  } else {
    out.writeHead(200, { "content-type": "application/json", "content-length": reply.json.length });
    out.end(reply.json);
  }
}

const listener = await listen(
  (req, res) => {
    req.resume();
    req.once("end", () => answer(req, res));
  },
  { port: 0, host: "127.0.0.1" },
);
process.stdout.write(`port=${listener.port}\n`);
process.once("SIGTERM", () => {
  void listener.close(2_000).then(() => process.exit(0));
});
