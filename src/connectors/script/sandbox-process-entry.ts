// Entry point of a sandbox process. The service passes its compile cache folder as the first argument
// (enabling the cache in the service does not pass on to a child), and the cache applies only to modules
// compiled after it is on, so this file turns it on before it loads the process's own code — as the
// service's entry, src/main.ts, does. It roughly halves the load that delays a new process's first
// execution.
import { enableCompileCache } from "node:module";

const cacheFolder = process.argv[2];
if (cacheFolder !== undefined && cacheFolder !== "") enableCompileCache(cacheFolder);
await import("./sandbox-process-main.ts");
