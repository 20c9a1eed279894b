import { create, createFileRegistry } from "@bufbuild/protobuf";
import type { CodeGeneratorRequest, CodeGeneratorResponse } from "@bufbuild/protobuf/wkt";
import {
  CodeGeneratorResponse_Feature,
  CodeGeneratorResponseSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import type { Plugin } from "@bufbuild/protoplugin";
import { buildOpenApiDocument } from "./build-document.ts";
import { declaredOptionsOf } from "./declared-options.ts";
import { toJsonText, toYamlText } from "./serialize-document.ts";

/** Options for {@link createOpenApiPlugin}. */
export interface OpenApiPluginOptions {
  /** info.version of the document (the package version). */
  readonly version: string;
}

/**
 * Plugin parameters: `package=<proto package>` (repeatable) limits the document to those packages'
 * services; none: every service.
 */
function parseParameter(parameter: string): { packages: ReadonlySet<string> } {
  const packages = new Set<string>();
  for (const entry of parameter.split(",").filter((e) => e !== "")) {
    const [key, value] = entry.split("=", 2);
    if (key === "package" && value !== undefined && value !== "") packages.add(value);
    else throw new Error(`unknown option "${entry}" (known: package=<proto package>)`);
  }
  return { packages };
}

/**
 * A protoc plugin writing `openapi.yaml` and `openapi.json` (the same document) for the services of the
 * files to generate. A plugin and not a script over the generated code, because only the
 * CodeGeneratorRequest carries source_code_info, where the comments that become descriptions live.
 * Run it with `strategy: all` so one request holds every file of an input; requests without services of the
 * package (buf sends one per input) produce no files.
 */
export function createOpenApiPlugin(options: OpenApiPluginOptions): Plugin {
  return {
    name: "protoc-gen-openapi",
    version: `v${options.version}`,
    run(request: CodeGeneratorRequest): CodeGeneratorResponse {
      const { packages } = parseParameter(request.parameter);
      const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: request.protoFile }));
      // Sorted, so the document does not depend on the order buf lists the files in.
      const services = [...request.fileToGenerate]
        .sort()
        .flatMap((name) => registry.getFile(name)?.services ?? [])
        .filter((service) => packages.size === 0 || packages.has(service.file.proto.package));
      const supportedFeatures = BigInt(CodeGeneratorResponse_Feature.PROTO3_OPTIONAL);
      // buf runs a plugin once per input of buf.gen.yaml; only the input holding the packages answers.
      if (services.length === 0) return create(CodeGeneratorResponseSchema, { supportedFeatures });
      const document = buildOpenApiDocument({
        services,
        version: options.version,
        declared: declaredOptionsOf(registry),
      });
      return create(CodeGeneratorResponseSchema, {
        supportedFeatures,
        file: [
          { name: "openapi.yaml", content: toYamlText(document) },
          { name: "openapi.json", content: toJsonText(document) },
        ],
      });
    },
  };
}
