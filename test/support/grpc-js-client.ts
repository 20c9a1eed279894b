import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** The Patchbay protos as @grpc/grpc-js sees them, loaded from proto/ (not from generated code). */
export function loadPatchbayProtos(): grpc.GrpcObject {
  const definition = protoLoader.loadSync(
    [
      "patchbay/v1/catalog.proto",
      "patchbay/v1/connection.proto",
      "patchbay/v1/execute.proto",
      "patchbay/v1/webhook.proto",
      "patchbay/connector/v1/connector.proto",
      "patchbay/agent/v1/agent.proto",
    ],
    {
      includeDirs: [root("proto"), root("node_modules/google-proto-files")],
      keepCase: false,
      longs: String,
      enums: String,
      defaults: false,
      oneofs: true,
    },
  );
  return grpc.loadPackageDefinition(definition);
}

/** A unary call as a promise; resolves with the response or rejects with the grpc-js ServiceError. */
export function unary<Res>(
  client: grpc.Client,
  method: string,
  request: object,
  metadata: grpc.Metadata = new grpc.Metadata(),
  options: grpc.CallOptions = {},
): Promise<{ response: Res; headers: grpc.Metadata }> {
  return new Promise((resolve, reject) => {
    let headers = new grpc.Metadata();
    const fn = (client as unknown as Record<string, grpc.requestCallback<Res> | undefined>)[method];
    if (typeof fn !== "function") throw new Error(`no method ${method}`);
    const call = (fn as unknown as (...args: unknown[]) => grpc.ClientUnaryCall).call(
      client,
      request,
      metadata,
      options,
      (error: grpc.ServiceError | null, response: Res) =>
        error ? reject(error) : resolve({ response, headers }),
    );
    call.on("metadata", (m: grpc.Metadata) => {
      headers = m;
    });
  });
}

/** Metadata carrying `Authorization: Bearer <key>`. */
export function bearer(key: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${key}`);
  return metadata;
}

export { grpc };
