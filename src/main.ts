// Entry point of the service (`npm start`, the container's command). Node's compile cache keeps every
// module's compiled code (TypeScript stripped, V8 bytecode) in a folder under the OS temp dir, or in
// NODE_COMPILE_CACHE when that is set: a start after the first loads the application in about a third of
// the time. It applies only to modules compiled after it is on, and a module's static imports are all
// compiled before its first line runs, so this file imports nothing else statically.
import { enableCompileCache } from "node:module";

enableCompileCache();
const { runServer } = await import("./run-server.ts");
await runServer();
