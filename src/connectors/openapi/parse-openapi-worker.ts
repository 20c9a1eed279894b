import { parentPort } from "node:worker_threads";
import { Code, ConnectError } from "@connectrpc/connect";
import { parseOpenApi } from "./parse-openapi.ts";
import type { ImportReply, ImportRequest } from "./parse-openapi-off-thread.ts";

// The worker side of parseOpenApiOffThread: one import at a time, answered by id. Refusals keep their
// code and operator-safe message; anything else becomes a fixed text (it could quote the document).
parentPort?.on("message", (request: ImportRequest) => {
  const reply = (message: ImportReply) => parentPort?.postMessage(message);
  parseOpenApi(request.input, {
    ...request.options,
    onProgress: (progress) => reply({ id: request.id, kind: "progress", progress }),
  }).then(
    (draft) => reply({ id: request.id, kind: "done", draft }),
    (error: unknown) =>
      reply({
        id: request.id,
        kind: "failed",
        code: error instanceof ConnectError ? error.code : Code.Internal,
        message: error instanceof ConnectError ? error.rawMessage : "the import failed unexpectedly",
      }),
  );
});
