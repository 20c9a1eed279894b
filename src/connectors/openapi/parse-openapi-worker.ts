import { Code, ConnectError } from "@connectrpc/connect";
import type { ImportReply, ImportRequest } from "./openapi-importer.ts";
import { parseOpenApi } from "./parse-openapi.ts";

// The worker process of an OpenApiImporter (openapi-importer.ts): one import at a time, answered by id
// over its IPC channel. Refusals keep their code and operator-safe message; anything else becomes a fixed
// text (it could quote the document). It ends when the service ends it, or when its channel closes.
process.on("message", (request: ImportRequest) => {
  const reply = (message: ImportReply) => process.send?.(message);
  parseOpenApi(request.input, {
    ...request.options,
    onProgress: (progress) => reply({ id: request.id, kind: "progress", progress }),
  }).then(
    // The plan goes back as its JSON text, made here within the worker's limits: the service only
    // parses a string whose size the import has already bounded (MAX_IMPORTED_BYTES).
    ({ openapi, ...draft }) => reply({ id: request.id, kind: "done", draft, plan: JSON.stringify(openapi) }),
    (error: unknown) =>
      reply({
        id: request.id,
        kind: "failed",
        code: error instanceof ConnectError ? error.code : Code.Internal,
        message: error instanceof ConnectError ? error.rawMessage : "the import failed unexpectedly",
      }),
  );
});
process.on("disconnect", () => process.exit(0));
