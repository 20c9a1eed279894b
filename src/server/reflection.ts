import type { DescFile, DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { create, toBinary } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import type {
  ServerReflectionRequest,
  ServerReflectionResponse,
} from "../../gen/grpc/reflection/v1/reflection_pb.ts";
import {
  file_grpc_reflection_v1_reflection,
  ServerReflection,
  ServerReflectionResponseSchema,
} from "../../gen/grpc/reflection/v1/reflection_pb.ts";

type Answer = NonNullable<MessageInitShape<typeof ServerReflectionResponseSchema>["messageResponse"]>;

// gRPC status codes carried inside ErrorResponse (grpc::StatusCode), not Connect error codes on the wire.
const invalidArgument = 3;
const notFound = 5;

/** Lookup tables built once, at registration. */
interface ReflectionIndex {
  /** Full names of the services the files declare, in file order; listed only when the router serves them. */
  readonly services: readonly string[];
  /** Serialized file plus its transitive imports, keyed by file name such as `health/v1/health.proto`. */
  readonly filesByName: ReadonlyMap<string, readonly Uint8Array[]>;
  /** File name declaring each fully-qualified symbol (no leading dot). */
  readonly fileBySymbol: ReadonlyMap<string, string>;
  /** Extendee full name → extension number → declaring file name. */
  readonly extensions: ReadonlyMap<string, ReadonlyMap<number, string>>;
}

/** Requests one reflection stream answers before it is closed with RESOURCE_EXHAUSTED. */
export const MAX_REQUESTS_PER_STREAM = 100;

/**
 * Registers `grpc.reflection.v1.ServerReflection` on the router, answering from the descriptors
 * embedded in generated code. The reflection file itself is always served. Answers carry each
 * requested file with all of its transitive imports, so `grpcurl` and `buf curl` can link them.
 * `list_services` names only the services of `files` that the router serves when asked (a file may
 * declare a contract this server does not implement, such as the one external connectors serve: its
 * types stay resolvable by symbol and file name, but a client is not told it can call it).
 * Bidi streaming: reachable over HTTP/2 with the gRPC protocol only.
 */
export function registerReflection(router: ConnectRouter, files: readonly DescFile[]): void {
  const index = buildIndex([...files, file_grpc_reflection_v1_reflection]);
  // Read when asked, so services registered after reflection are listed too.
  const served = (): ReadonlySet<string> => new Set(router.handlers.map((h) => h.service.typeName));
  router.service(ServerReflection, {
    async *serverReflectionInfo(requests) {
      let answered = 0;
      for await (const request of requests) {
        // Reflection needs no key, and each answer can be large: one stream answers a bounded number
        // of requests (a client resolving a few services asks for a handful).
        if (++answered > MAX_REQUESTS_PER_STREAM) {
          throw new ConnectError(
            `reflection answers at most ${MAX_REQUESTS_PER_STREAM} requests per stream`,
            Code.ResourceExhausted,
          );
        }
        yield answer(index, served, request);
      }
    },
  });
}

function buildIndex(roots: readonly DescFile[]): ReflectionIndex {
  const encoded = new Map<DescFile, Uint8Array>();
  const encode = (file: DescFile): Uint8Array => {
    const bytes = encoded.get(file) ?? toBinary(FileDescriptorProtoSchema, file.proto);
    encoded.set(file, bytes);
    return bytes;
  };
  const filesByName = new Map<string, Uint8Array[]>();
  const fileBySymbol = new Map<string, string>();
  const extensions = new Map<string, Map<number, string>>();
  for (const file of closure(roots)) {
    const name = file.proto.name;
    // The requested file goes first: grpcurl (jhump/protoreflect) takes the first file as the answer.
    filesByName.set(name, [file, ...closure(file.dependencies)].map(encode));
    for (const symbol of symbolsOf(file)) fileBySymbol.set(symbol, name);
    for (const type of nestedTypes(file)) {
      if (type.kind !== "extension") continue;
      const numbers = extensions.get(type.extendee.typeName) ?? new Map<number, string>();
      extensions.set(type.extendee.typeName, numbers.set(type.number, name));
    }
  }
  const services = new Set(roots.flatMap((file) => file.services.map((service) => service.typeName)));
  return { services: [...services], filesByName, fileBySymbol, extensions };
}

/** The given files and everything they import, transitively, each once, every import before its importer. */
function closure(files: readonly DescFile[]): DescFile[] {
  const seen = new Set<string>();
  const ordered: DescFile[] = [];
  const visit = (file: DescFile): void => {
    if (seen.has(file.proto.name)) return;
    seen.add(file.proto.name);
    file.dependencies.forEach(visit);
    ordered.push(file);
  };
  files.forEach(visit);
  return ordered;
}

/** Every name a client may ask for: types, their members, methods, and enum values (scoped like the enum). */
function* symbolsOf(file: DescFile): Iterable<string> {
  for (const type of nestedTypes(file)) {
    yield type.typeName;
    switch (type.kind) {
      case "message":
        yield* memberNames(type);
        break;
      case "enum": {
        const scope = type.parent?.typeName ?? file.proto.package;
        for (const value of type.values) yield scope === "" ? value.name : `${scope}.${value.name}`;
        break;
      }
      case "service":
        for (const method of type.methods) yield `${type.typeName}.${method.name}`;
        break;
    }
  }
}

function memberNames(message: DescMessage): string[] {
  return [...message.fields, ...message.oneofs].map((member) => `${message.typeName}.${member.name}`);
}

function answer(
  index: ReflectionIndex,
  served: () => ReadonlySet<string>,
  request: ServerReflectionRequest,
): ServerReflectionResponse {
  const reply = (messageResponse: Answer): ServerReflectionResponse =>
    create(ServerReflectionResponseSchema, {
      validHost: request.host,
      originalRequest: request,
      messageResponse,
    });
  const files = (name: string | undefined, what: string): ServerReflectionResponse => {
    const fileDescriptorProto = name === undefined ? undefined : index.filesByName.get(name);
    if (fileDescriptorProto === undefined) return reply(error(notFound, `${what} not found`));
    return reply({
      case: "fileDescriptorResponse",
      value: { fileDescriptorProto: [...fileDescriptorProto] },
    });
  };
  const { messageRequest } = request;
  switch (messageRequest.case) {
    case "listServices": {
      const serving = served();
      return reply({
        case: "listServicesResponse",
        value: { service: index.services.filter((name) => serving.has(name)).map((name) => ({ name })) },
      });
    }
    case "fileByFilename":
      return files(messageRequest.value, `file ${messageRequest.value}`);
    case "fileContainingSymbol": {
      const symbol = stripDot(messageRequest.value);
      return files(index.fileBySymbol.get(symbol), `symbol ${symbol}`);
    }
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = messageRequest.value;
      const type = stripDot(containingType);
      return files(index.extensions.get(type)?.get(extensionNumber), `extension ${type}(${extensionNumber})`);
    }
    case "allExtensionNumbersOfType": {
      const type = stripDot(messageRequest.value);
      if (!index.fileBySymbol.has(type)) return reply(error(notFound, `type ${type} not found`));
      const numbers = [...(index.extensions.get(type)?.keys() ?? [])];
      return reply({
        case: "allExtensionNumbersResponse",
        value: { baseTypeName: type, extensionNumber: numbers },
      });
    }
    default:
      return reply(error(invalidArgument, "message_request not set"));
  }
}

function error(errorCode: number, errorMessage: string): Answer {
  return { case: "errorResponse", value: { errorCode, errorMessage } };
}

function stripDot(name: string): string {
  return name.startsWith(".") ? name.slice(1) : name;
}
