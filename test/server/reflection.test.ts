import { readdir } from "node:fs/promises";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { DescFile, FileRegistry } from "@bufbuild/protobuf";
import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import {
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
} from "@bufbuild/protobuf/wkt";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import type { MethodDefinition, ServiceDefinition } from "@grpc/proto-loader";
import { loadSync } from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { file_google_api_annotations } from "../../gen/google/api/annotations_pb.ts";
import { file_grpc_reflection_v1_reflection } from "../../gen/grpc/reflection/v1/reflection_pb.ts";
import { file_health_v1_health } from "../../gen/health/v1/health_pb.ts";
import { file_patchbay_connector_v1_connector } from "../../gen/patchbay/connector/v1/connector_pb.ts";
import { registerHealth } from "../../src/protocol/health.ts";
import { MAX_REQUESTS_PER_STREAM, registerReflection } from "../../src/server/reflection.ts";

/** A tiny inline file that imports well-known types and google/api, with nested types to look up. */
const echoFile: DescFile = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "test/echo/v1/echo.proto",
    package: "test.echo.v1",
    syntax: "proto3",
    dependency: [
      "google/protobuf/struct.proto",
      "google/protobuf/timestamp.proto",
      "google/api/annotations.proto",
    ],
    messageType: [
      {
        name: "EchoRequest",
        field: [
          { name: "payload", number: 1, type: 11, label: 1, typeName: ".google.protobuf.Struct" },
          { name: "sent_at", number: 2, type: 11, label: 1, typeName: ".google.protobuf.Timestamp" },
        ],
        nestedType: [
          { name: "Inner", enumType: [{ name: "Kind", value: [{ name: "KIND_UNSPECIFIED", number: 0 }] }] },
        ],
      },
    ],
    service: [
      {
        name: "EchoService",
        method: [
          { name: "Echo", inputType: ".test.echo.v1.EchoRequest", outputType: ".test.echo.v1.EchoRequest" },
        ],
      },
    ],
  }),
  (name) =>
    [file_google_protobuf_struct, file_google_protobuf_timestamp, file_google_api_annotations].find(
      (file) => file.proto.name === name,
    ),
).getFile("test/echo/v1/echo.proto") as DescFile;

/** The request and response as @grpc/proto-loader decodes them (keepCase, oneofs). */
type ReflectionRequest = Record<string, unknown>;
interface ReflectionResponse {
  valid_host: string;
  message_response: string;
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  list_services_response?: { service: { name: string }[] };
  all_extension_numbers_response?: { base_type_name: string; extension_number: number[] };
  error_response?: { error_code: number; error_message: string };
}

const protoPath = "node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto";
const definition = loadSync(protoPath, { keepCase: true, defaults: true, oneofs: true });
const infoMethod = (definition["grpc.reflection.v1.ServerReflection"] as ServiceDefinition)
  .ServerReflectionInfo as MethodDefinition<ReflectionRequest, ReflectionResponse>;

/** Declared by a reflected file, not served by the router (item 6: reflection lists only what is served). */
const UNSERVED = "patchbay.connector.v1.ConnectorService";

let server: http2.Http2Server;
const sessions = new Set<http2.ServerHttp2Session>();
let client: grpc.Client;
let patchbayFiles: DescFile[] = [];

beforeAll(async () => {
  patchbayFiles = await loadPatchbayFiles();
  const files = [
    file_health_v1_health,
    file_grpc_reflection_v1_reflection,
    file_google_api_annotations,
    echoFile,
    ...patchbayFiles,
    file_patchbay_connector_v1_connector,
  ];
  server = http2.createServer(
    connectNodeAdapter({
      routes: (router) => {
        // The services of these files are served (unimplemented methods answer UNIMPLEMENTED); the
        // external connector contract's file is reflected but its service is not served.
        for (const file of [echoFile, ...patchbayFiles]) {
          for (const service of file.services) router.service(service, {});
        }
        registerReflection(router, files);
        registerHealth(router, { services: [], check: () => Promise.resolve(true) });
      },
    }),
  );
  server.on("session", (session) => sessions.add(session));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  // A stream the server failed to end would otherwise hold close() open.
  for (const session of sessions) session.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** Sends every request on one ServerReflectionInfo stream and collects the answers. */
function exchange(...requests: ReflectionRequest[]): Promise<ReflectionResponse[]> {
  return new Promise((resolve, reject) => {
    const call = client.makeBidiStreamRequest(
      infoMethod.path,
      infoMethod.requestSerialize,
      infoMethod.responseDeserialize,
    );
    const responses: ReflectionResponse[] = [];
    call.on("data", (response: ReflectionResponse) => responses.push(response));
    call.on("error", reject);
    call.on("end", () => resolve(responses));
    for (const request of requests) call.write(request);
    call.end();
  });
}

async function one(request: ReflectionRequest): Promise<ReflectionResponse> {
  const [response, ...rest] = await exchange(request);
  expect(rest).toHaveLength(0);
  if (response === undefined) throw new Error("no response");
  return response;
}

function decodeFiles(response: ReflectionResponse): FileDescriptorProto[] {
  expect(response.message_response).toBe("file_descriptor_response");
  const bytes = response.file_descriptor_response?.file_descriptor_proto ?? [];
  return bytes.map((b) => fromBinary(FileDescriptorProtoSchema, b));
}

/**
 * Links the returned files by import name, as a reflection client does, into a FileDescriptorSet in
 * dependency order; throws when an import is missing. (The resolver form of createFileRegistry is not
 * used: in protobuf-es 2.17 it can order a diamond import after its importer.)
 */
function link(protos: FileDescriptorProto[]): FileRegistry {
  const byName = new Map(protos.map((proto) => [proto.name, proto]));
  const ordered: FileDescriptorProto[] = [];
  const visit = (name: string, importer: string): void => {
    const proto = byName.get(name);
    if (proto === undefined) throw new Error(`${name}, imported by ${importer}, was not sent`);
    if (ordered.includes(proto)) return;
    for (const dependency of proto.dependency) visit(dependency, name);
    ordered.push(proto);
  };
  for (const proto of protos) visit(proto.name, "(response)");
  return createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
}

function names(protos: FileDescriptorProto[]): string[] {
  return protos.map((proto) => proto.name);
}

/** Generated Patchbay files, when they exist; they are written alongside this code, so none is required. */
async function loadPatchbayFiles(): Promise<DescFile[]> {
  const dir = new URL("../../gen/patchbay/v1/", import.meta.url);
  const entries = await readdir(dir).catch(() => []);
  const modules = await Promise.all(
    entries.filter((entry) => entry.endsWith("_pb.ts")).map((entry) => import(new URL(entry, dir).href)),
  );
  return modules.flatMap((module: Record<string, unknown>) =>
    Object.entries(module)
      .filter(([name]) => name.startsWith("file_"))
      .map(([, file]) => file as DescFile),
  );
}

describe("grpc.reflection.v1 over a real gRPC client", () => {
  it("lists every service of the given files that the router serves, reflection and health included", async () => {
    const response = await one({ host: "h", list_services: "" });
    expect(response.message_response).toBe("list_services_response");
    const listed = response.list_services_response?.service.map((s) => s.name) ?? [];
    expect(listed).toEqual(
      expect.arrayContaining([
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "test.echo.v1.EchoService",
      ]),
    );
    const patchbayServices = patchbayFiles.flatMap((file) => file.services.map((s) => s.typeName));
    expect(listed).toEqual(expect.arrayContaining(patchbayServices));
    expect(listed).not.toContain(UNSERVED);
    expect(new Set(listed).size).toBe(listed.length);
    expect(response.valid_host).toBe("h");
  });

  it("resolves the types of a declared service it does not serve (item 6)", async () => {
    const protos = decodeFiles(await one({ file_containing_symbol: UNSERVED }));
    expect(link(protos).getService(UNSERVED)?.typeName).toBe(UNSERVED);
  });

  it("answers file_containing_symbol for a service with the file and its transitive imports", async () => {
    const protos = decodeFiles(await one({ file_containing_symbol: "test.echo.v1.EchoService" }));
    expect(protos[0]?.name).toBe("test/echo/v1/echo.proto");
    expect(names(protos).sort()).toEqual([
      "google/api/annotations.proto",
      "google/api/http.proto",
      "google/protobuf/descriptor.proto",
      "google/protobuf/struct.proto",
      "google/protobuf/timestamp.proto",
      "test/echo/v1/echo.proto",
    ]);
    const registry = link(protos);
    // After the requested file, imports precede importers, so the rest plus the first is a valid FileDescriptorSet.
    const set = create(FileDescriptorSetSchema, { file: [...protos.slice(1), ...protos.slice(0, 1)] });
    expect(createFileRegistry(set).getFile("test/echo/v1/echo.proto")?.dependencies).toHaveLength(3);
    expect(registry.getService("test.echo.v1.EchoService")?.methods[0]?.input.typeName).toBe(
      "test.echo.v1.EchoRequest",
    );
    expect(registry.getMessage("google.protobuf.Struct")?.fields.map((f) => f.name)).toEqual(["fields"]);
  });

  it("finds methods, nested messages, nested enums, enum values, fields and extensions, with or without a leading dot", async () => {
    const symbols = [
      ".test.echo.v1.EchoService.Echo",
      "test.echo.v1.EchoRequest.Inner",
      ".test.echo.v1.EchoRequest.Inner.Kind",
      "test.echo.v1.EchoRequest.Inner.KIND_UNSPECIFIED",
      "test.echo.v1.EchoRequest.sent_at",
    ];
    const responses = await exchange(...symbols.map((symbol) => ({ file_containing_symbol: symbol })));
    expect(responses.map((r) => decodeFiles(r)[0]?.name)).toEqual(
      symbols.map(() => "test/echo/v1/echo.proto"),
    );
    const [http] = decodeFiles(await one({ file_containing_symbol: "google.api.http" }));
    expect(http?.name).toBe("google/api/annotations.proto");
  });

  it("answers file_by_filename, and the set builds a registry", async () => {
    const protos = decodeFiles(await one({ file_by_filename: "health/v1/health.proto" }));
    expect(names(protos)).toEqual(["health/v1/health.proto"]);
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: protos }));
    expect(registry.getService("grpc.health.v1.Health")?.methods.map((m) => m.name)).toEqual([
      "Check",
      "Watch",
      "List",
    ]);
  });

  it("serves every Patchbay file with a complete import set", async () => {
    for (const file of patchbayFiles) {
      const protos = decodeFiles(await one({ file_by_filename: file.proto.name }));
      expect(protos[0]?.name).toBe(file.proto.name);
      const registry = link(protos);
      expect(registry.getFile(file.proto.name)?.messages.map((m) => m.typeName)).toEqual(
        file.messages.map((m) => m.typeName),
      );
    }
  });

  it("answers extension lookups for google.protobuf.MethodOptions", async () => {
    const [byExtension, numbers] = await exchange(
      {
        file_containing_extension: {
          containing_type: "google.protobuf.MethodOptions",
          extension_number: 72295728,
        },
      },
      { all_extension_numbers_of_type: ".google.protobuf.MethodOptions" },
    );
    expect(byExtension && decodeFiles(byExtension)[0]?.name).toBe("google/api/annotations.proto");
    expect(numbers?.all_extension_numbers_response?.base_type_name).toBe("google.protobuf.MethodOptions");
    // Patchbay's own method options, when generated, extend MethodOptions too.
    const patchbayNumbers = patchbayFiles.flatMap((file) =>
      [...nestedTypes(file)].flatMap((type) =>
        type.kind === "extension" && type.extendee.typeName === "google.protobuf.MethodOptions"
          ? [type.number]
          : [],
      ),
    );
    expect(numbers?.all_extension_numbers_response?.extension_number.sort()).toEqual(
      [72295728, ...patchbayNumbers].sort(),
    );
  });

  it("answers NOT_FOUND (5) in error_response for unknown names and keeps the stream open", async () => {
    const responses = await exchange(
      { file_containing_symbol: "test.echo.v1.Nope" },
      { file_by_filename: "nope.proto" },
      {
        file_containing_extension: { containing_type: "google.protobuf.MethodOptions", extension_number: 1 },
      },
      { all_extension_numbers_of_type: "test.echo.v1.Nope" },
      { list_services: "" },
    );
    expect(responses.map((r) => r.error_response?.error_code)).toEqual([5, 5, 5, 5, undefined]);
    expect(responses[0]?.error_response?.error_message).toBe("symbol test.echo.v1.Nope not found");
    expect(responses[4]?.message_response).toBe("list_services_response");
  });

  it("answers several requests on one stream in order", async () => {
    const responses = await exchange(
      { file_by_filename: "google/api/http.proto" },
      { list_services: "" },
      { file_containing_symbol: "grpc.reflection.v1.ServerReflection" },
      { file_containing_symbol: "missing.Symbol" },
    );
    expect(responses.map((r) => r.message_response)).toEqual([
      "file_descriptor_response",
      "list_services_response",
      "file_descriptor_response",
      "error_response",
    ]);
    expect(responses[0] && decodeFiles(responses[0])[0]?.name).toBe("google/api/http.proto");
    expect(responses[2] && decodeFiles(responses[2])[0]?.name).toBe("grpc/reflection/v1/reflection.proto");
  });

  it("answers at most MAX_REQUESTS_PER_STREAM requests on one stream, then ends it with RESOURCE_EXHAUSTED", async () => {
    const ask = { host: "h", list_services: "" };
    const answered = await exchange(...Array.from({ length: MAX_REQUESTS_PER_STREAM }, () => ask));
    expect(answered).toHaveLength(MAX_REQUESTS_PER_STREAM);
    const over = await exchange(...Array.from({ length: MAX_REQUESTS_PER_STREAM + 50 }, () => ask)).then(
      () => undefined,
      (error: { code?: number }) => error.code,
    );
    expect(over).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });
});
