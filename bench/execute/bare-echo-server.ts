// Ceiling for bench/execute: `patchbay.v1.ExecuteService/Execute` served by connectNodeAdapter on the same
// one-port listener as Patchbay (HTTP/1.1 and h2c), answering with the request's params — no auth, no
// database, no connector dispatch. Prints `port=<n>` on stdout once listening; stops on SIGTERM.
//
//   node bench/execute/bare-echo-server.ts
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { listen } from "../../src/protocol/listener.ts";

const handler = connectNodeAdapter({
  routes: (router) =>
    router.service(ExecuteService, {
      execute: (req) => ({ payload: req.params ?? {}, executionId: "x", durationMs: 0 }),
    }),
});
const listener = await listen(handler, { port: 0, host: "127.0.0.1" });
process.stdout.write(`port=${listener.port}\n`);
process.once("SIGTERM", () => {
  void listener.close(2_000).then(() => process.exit(0));
});
