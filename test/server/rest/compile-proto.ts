import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createFileRegistry, type DescService, type FileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BUF = join(ROOT, "node_modules/.bin/buf");

// buf v2 module paths must be relative to buf.yaml, so the imports a test proto may use are copied
// next to it: the HttpRule annotations, HttpBody, and Patchbay's `(patchbay.v1.rest)` option.
const IMPORTS: readonly (readonly [from: string, to: string])[] = [
  ["node_modules/google-proto-files/google/api/annotations.proto", "google/api/annotations.proto"],
  ["node_modules/google-proto-files/google/api/http.proto", "google/api/http.proto"],
  ["node_modules/google-proto-files/google/api/httpbody.proto", "google/api/httpbody.proto"],
  ["proto/patchbay/v1/common.proto", "patchbay/v1/common.proto"],
];

const cache = new Map<string, Promise<FileRegistry>>();

async function compile(source: string): Promise<FileRegistry> {
  const dir = await mkdtemp(join(tmpdir(), "patchbay-proto-"));
  try {
    await writeFile(join(dir, "buf.yaml"), "version: v2\nmodules:\n  - path: .\n");
    for (const [from, to] of IMPORTS) {
      await mkdir(dirname(join(dir, to)), { recursive: true });
      await copyFile(join(ROOT, from), join(dir, to));
    }
    await writeFile(join(dir, "inline_test.proto"), source);
    const out = join(dir, "image.binpb");
    try {
      await run(BUF, ["build", dir, "--as-file-descriptor-set", "-o", out]);
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      throw new Error(`buf could not compile the inline proto:\n${stderr}`);
    }
    return createFileRegistry(fromBinary(FileDescriptorSetSchema, await readFile(out)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Compiles an inline proto (proto3 text that may import google/api/annotations.proto,
 * google/api/httpbody.proto, patchbay/v1/common.proto and the well-known types) with the project's
 * `buf`, and returns a registry of the file and everything it imports. Cached per source text.
 */
export function compileProto(source: string): Promise<FileRegistry> {
  let compiled = cache.get(source);
  if (compiled === undefined) {
    compiled = compile(source);
    cache.set(source, compiled);
  }
  return compiled;
}

/** The named service of a compiled registry; throws when the proto does not declare it. */
export function serviceOf(registry: FileRegistry, typeName: string): DescService {
  const service = registry.getService(typeName);
  if (service === undefined) throw new Error(`the inline proto declares no service ${typeName}`);
  return service;
}
