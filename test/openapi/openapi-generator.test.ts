import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, fromBinary } from "@bufbuild/protobuf";
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { CodeGeneratorRequestSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { validate } from "@readme/openapi-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenApiPlugin } from "../../scripts/openapi/openapi-plugin.ts";

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const buf = root("node_modules/.bin/buf");

type Json = Record<string, unknown>;

/** Compiles a buf workspace folder into descriptors, with source info (comments) as buf generate sends. */
function buildImage(dir: string): FileDescriptorProto[] {
  const out = join(dir, "image.binpb");
  execFileSync(buf, ["build", "-o", out], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  // A buf image is wire-compatible with google.protobuf.FileDescriptorSet.
  return fromBinary(FileDescriptorSetSchema, readFileSync(out)).file;
}

function runPlugin(files: FileDescriptorProto[], toGenerate: string[], parameter: string) {
  const plugin = createOpenApiPlugin({ version: "9.9.9" });
  const request = create(CodeGeneratorRequestSchema, {
    fileToGenerate: toGenerate,
    protoFile: files,
    parameter,
  });
  return plugin.run(request).file;
}

describe("the committed gen/openapi.*", () => {
  it("is what the generator makes from the current protos (run `npm run gen` when this fails)", () => {
    const work = mkdtempSync(join(tmpdir(), "openapi-drift-"));
    try {
      const out = join(work, "image.binpb");
      execFileSync(buf, ["build", "-o", out], { cwd: root("."), stdio: ["ignore", "ignore", "pipe"] });
      const files = fromBinary(FileDescriptorSetSchema, readFileSync(out)).file;
      const toGenerate = files.map((f) => f.name).filter((n) => n.startsWith("patchbay/"));
      const version = (JSON.parse(readFileSync(root("package.json"), "utf8")) as { version: string }).version;
      const plugin = createOpenApiPlugin({ version });
      const request = create(CodeGeneratorRequestSchema, {
        fileToGenerate: toGenerate,
        protoFile: files,
        parameter: "package=patchbay.v1,package=patchbay.agent.v1",
      });
      const generated = plugin.run(request).file;
      expect(generated.map((f) => f.name)).toEqual(["openapi.yaml", "openapi.json"]);
      for (const file of generated) {
        expect(file.content, file.name).toBe(readFileSync(root(`gen/${file.name}`), "utf8"));
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

const LIBRARY_PROTO = `syntax = "proto3";

package test.v1;

import "google/api/annotations.proto";
import "google/api/httpbody.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "patchbay/v1/common.proto";

// Shelves and their books.
service LibraryService {
  // Gets a book. It may be on any shelf.
  rpc GetBook(GetBookRequest) returns (Book) {
    option (patchbay.v1.access) = {scope: "library:read"};
    option (google.api.http) = {
      get: "/v1/{name=shelves/*/books/*}"
      additional_bindings { get: "/v1/books/{name=**}" }
    };
  }
  // Updates a book (e.g. its title).
  rpc UpdateBook(UpdateBookRequest) returns (Book) {
    option (patchbay.v1.access) = {scope: "library:write"};
    option (google.api.http) = {
      patch: "/v1/{book.name=shelves/*/books/*}"
      body: "book"
    };
  }
  // Searches the library.
  rpc Search(SearchRequest) returns (SearchResponse) {
    option (patchbay.v1.access) = {public: true};
    option (google.api.http) = {
      get: "/v1/search"
      response_body: "books"
    };
  }
  // Uploads a blob as is.
  rpc Upload(UploadRequest) returns (google.api.HttpBody) {
    option (patchbay.v1.rest) = {success_statuses: [201, 204]};
    option (google.api.http) = {
      put: "/v1/shelves/{shelf}/blobs/{id}:upload"
      body: "data"
    };
  }
  // Creates a shelf.
  rpc CreateShelf(Shelf) returns (Shelf) {
    option deprecated = true;
    option (patchbay.v1.access) = {scope: "library:write"};
    option (google.api.http) = {
      post: "/v1/shelves"
      body: "*"
    };
  }
  // Streams are not bridged.
  rpc Watch(GetBookRequest) returns (stream Book) {
    option (google.api.http) = {get: "/v1/watch"};
  }
  // No rule, no operation.
  rpc Internal(GetBookRequest) returns (Book);
}

// A literary genre.
enum Genre {
  GENRE_UNSPECIFIED = 0;
  GENRE_FICTION = 1;
}

// A book on a shelf.
message Book {
  // Resource name, shelves/<shelf>/books/<book>.
  string name = 1;
  int64 pages = 2;
  bytes cover = 3;
  Genre genre = 4;
  repeated string tags = 5;
  map<string, int32> ratings = 6;
  google.protobuf.Timestamp publish_time = 7;
  optional string isbn = 8;
  // Who holds it.
  oneof owner {
    string person = 9;
    string library = 10;
  }
  Book sequel = 11;
  google.protobuf.Duration loan = 12;
  google.protobuf.UInt64Value copies = 13;
  uint32 shelf_position = 14;
  double price = 15;
  google.protobuf.Struct extra = 16;
}

message GetBookRequest {
  string name = 1;
}

message UpdateBookRequest {
  Book book = 1;
  string update_mask = 2;
}

message SearchRequest {
  // Free text.
  string q = 1;
  repeated Genre genres = 2;
  repeated int64 ids = 3;
  Filter filter = 4;
  google.protobuf.Struct facets = 5;
  repeated Filter extra_filters = 6;
  map<string, string> labels = 7;
  google.protobuf.Timestamp since = 8;
  google.protobuf.Int32Value limit = 9;
  Node root = 10;
}

message Filter {
  string field = 1;
  Range range = 2;
}

message Range {
  int32 min = 1;
  int32 max = 2;
}

message Node {
  string value = 1;
  Node child = 2;
}

message SearchResponse {
  repeated Book books = 1;
}

message UploadRequest {
  string shelf = 1;
  string id = 2;
  google.api.HttpBody data = 3;
  bool overwrite = 4;
}

message Shelf {
  string name = 1;
  string theme = 2;
}
`;

describe("the generator on an inline proto", () => {
  let work: string;
  let files: FileDescriptorProto[];
  let doc: Json & {
    paths: Record<string, Record<string, Json>>;
    components: { schemas: Record<string, Json> };
  };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "openapi-gen-"));
    const put = (path: string, text: string) => {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), text);
    };
    put("buf.yaml", "version: v2\n");
    put("test/v1/library.proto", LIBRARY_PROTO);
    const copy = (from: string, to: string) => put(to, readFileSync(root(from), "utf8"));
    for (const name of ["annotations", "http", "httpbody"]) {
      copy(`node_modules/google-proto-files/google/api/${name}.proto`, `google/api/${name}.proto`);
    }
    copy("proto/patchbay/v1/common.proto", "patchbay/v1/common.proto");
    files = buildImage(work);
    const out = runPlugin(files, ["test/v1/library.proto"], "package=test.v1");
    const json = out.find((f) => f.name === "openapi.json");
    if (json === undefined) throw new Error("no openapi.json");
    doc = JSON.parse(json.content);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const op = (path: string, method: string): Json => {
    const found = doc.paths[path]?.[method];
    if (found === undefined) throw new Error(`no ${method} ${path} in ${Object.keys(doc.paths).join(", ")}`);
    return found;
  };
  const paramNames = (o: Json, where: string) =>
    ((o.parameters ?? []) as { in: string; name: string }[]).filter((p) => p.in === where).map((p) => p.name);

  it("validates", async () => {
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it.each([
    ["get", "/v1/shelves/{name}/books/{name_1}", "LibraryService_GetBook", ["name", "name_1"]],
    ["get", "/v1/books/{name}", "LibraryService_GetBook_1", ["name"]],
    [
      "patch",
      "/v1/shelves/{book.name}/books/{book.name_1}",
      "LibraryService_UpdateBook",
      ["book.name", "book.name_1"],
    ],
    ["get", "/v1/search", "LibraryService_Search", []],
    ["put", "/v1/shelves/{shelf}/blobs/{id}:upload", "LibraryService_Upload", ["shelf", "id"]],
    ["post", "/v1/shelves", "LibraryService_CreateShelf", []],
  ])("routes %s %s as %s with path parameters %j", (method, path, id, params) => {
    const o = op(path, method);
    expect(o.operationId).toBe(id);
    expect(paramNames(o, "path")).toEqual(params);
  });

  it("documents only unary methods with a rule", () => {
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((o) => o.operationId));
    expect(ids).toHaveLength(6);
    expect(ids.some((id) => String(id).includes("Watch") || String(id).includes("Internal"))).toBe(false);
  });

  it("takes summary and description from the method comment", () => {
    const o = op("/v1/shelves/{name}/books/{name_1}", "get");
    expect(o.summary).toBe("Gets a book");
    expect(o.description).toMatch(
      /^Gets a book\. It may be on any shelf\.\n\nRequires an API key with scope `library:read`/,
    );
    expect(op("/v1/shelves/{book.name}/books/{book.name_1}", "patch").summary).toBe(
      "Updates a book (e.g. its title)",
    );
    expect(doc.tags).toEqual([{ name: "LibraryService", description: "Shelves and their books." }]);
  });

  it("flattens unbound fields into query parameters, leaving out what a query string cannot carry", () => {
    const o = op("/v1/search", "get");
    expect(paramNames(o, "query")).toEqual([
      "q",
      "genres",
      "ids",
      "filter.field",
      "filter.range.min",
      "filter.range.max",
      "since",
      "limit",
      "root.value",
    ]);
    const params = o.parameters as Json[];
    expect(params.find((p) => p.name === "genres")).toEqual({
      name: "genres",
      in: "query",
      style: "form",
      explode: true,
      schema: { type: "array", items: { $ref: "#/components/schemas/test.v1.Genre" } },
    });
    expect(params.find((p) => p.name === "since")?.schema).toEqual({ type: "string", format: "date-time" });
    expect(params.find((p) => p.name === "limit")?.schema).toEqual({ type: "integer", format: "int32" });
    expect(o.description).toContain(
      "Not settable from the query string: `facets` (google.protobuf.Struct), `extraFilters` (repeated message), " +
        "`labels` (map), `root.child` (recursive test.v1.Node).",
    );
  });

  it('uses the body field as the body and the rest, minus the path, as query (body: "book")', () => {
    const o = op("/v1/shelves/{book.name}/books/{book.name_1}", "patch");
    expect(o.requestBody).toEqual({
      // Book travels both ways: the request takes its own variant, without the answer's `required`.
      content: { "application/json": { schema: { $ref: "#/components/schemas/test.v1.BookInput" } } },
    });
    expect(paramNames(o, "query")).toEqual(["updateMask"]);
  });

  it("passes HttpBody bodies raw and documents the extra success statuses", () => {
    const o = op("/v1/shelves/{shelf}/blobs/{id}:upload", "put");
    expect(Object.keys((o.requestBody as { content: Json }).content)).toEqual(["*/*"]);
    expect(paramNames(o, "query")).toEqual(["overwrite"]);
    const responses = o.responses as Record<string, Json>;
    expect(Object.keys(responses["200"]?.content as Json)).toEqual(["*/*"]);
    expect(responses["201"]?.description).toBe("Created");
    expect(responses["204"]?.content).toBeUndefined();
    // No access option: the auth interceptor requires "admin", and so does the document.
    expect(o["x-patchbay-scope"]).toBe("admin");
  });

  it("uses a $ref body when no field is path-bound, marks deprecated RPCs, and serves response_body", () => {
    const create = op("/v1/shelves", "post");
    expect(create.requestBody).toEqual({
      content: { "application/json": { schema: { $ref: "#/components/schemas/test.v1.ShelfInput" } } },
    });
    expect(create.deprecated).toBe(true);
    const search = op("/v1/search", "get");
    expect(search.security).toEqual([]);
    expect((search.responses as Record<string, Json>)["200"]).toEqual({
      description: "OK",
      content: {
        "application/json": {
          schema: { type: "array", items: { $ref: "#/components/schemas/test.v1.Book" } },
        },
      },
    });
  });

  it("keeps only reachable schemas, named by full proto name", () => {
    expect(Object.keys(doc.components.schemas)).toEqual([
      "Error",
      "test.v1.Book",
      "test.v1.BookInput",
      "test.v1.Genre",
      "test.v1.Shelf",
      "test.v1.ShelfInput",
    ]);
    expect(doc.components.schemas["test.v1.Genre"]).toEqual({
      type: "string",
      description: "A literary genre.",
      enum: ["GENRE_UNSPECIFIED", "GENRE_FICTION"],
    });
  });

  it("maps fields by the proto3 JSON rules", () => {
    const book = doc.components.schemas["test.v1.Book"] as { properties: Record<string, Json> } & Json;
    expect(book.additionalProperties).toBe(false);
    expect(book.description).toBe("A book on a shelf.");
    const p = book.properties;
    expect(p.name).toEqual({ type: "string", description: "Resource name, shelves/<shelf>/books/<book>." });
    expect(p.pages).toEqual({ type: ["string", "integer"], format: "int64" });
    expect(p.cover).toEqual({ type: "string", contentEncoding: "base64" });
    expect(p.genre).toEqual({ $ref: "#/components/schemas/test.v1.Genre" });
    expect(p.tags).toEqual({ type: "array", items: { type: "string" } });
    expect(p.ratings).toEqual({ type: "object", additionalProperties: { type: "integer", format: "int32" } });
    expect(p.publishTime).toEqual({ type: "string", format: "date-time" });
    expect(p.isbn).toEqual({ type: "string" });
    expect(p.person?.description).toBe("Part of oneof `owner`: set at most one of `person`, `library`.");
    expect(p.sequel).toEqual({ $ref: "#/components/schemas/test.v1.Book" });
    expect(p.loan).toMatchObject({ type: "string" });
    expect(p.copies).toEqual({ type: ["string", "integer"], format: "int64" });
    expect(p.shelfPosition).toEqual({ type: "integer", minimum: 0, maximum: 4294967295 });
    expect(p.price).toEqual({ type: "number", format: "double" });
    expect(p.extra).toEqual({ type: "object", additionalProperties: {} });
  });

  it("requires in answers every field the server always writes, and nothing more in requests (item 4)", () => {
    const book = doc.components.schemas["test.v1.Book"] as { required?: string[] } & Json;
    // Implicit presence (scalars, enums, repeated, maps); not messages, `optional` fields or oneof members.
    expect(book.required).toEqual([
      "name",
      "pages",
      "cover",
      "genre",
      "tags",
      "ratings",
      "shelfPosition",
      "price",
    ]);
    const input = doc.components.schemas["test.v1.BookInput"] as {
      required?: string[];
      properties: Json;
    } & Json;
    expect(input.required).toBeUndefined();
    expect(input.properties.sequel).toEqual({ $ref: "#/components/schemas/test.v1.BookInput" });
    expect(doc.components.schemas["test.v1.Shelf"]).toMatchObject({ required: ["name", "theme"] });
    expect(doc.components.schemas["test.v1.ShelfInput"]).not.toHaveProperty("required");
  });

  it("writes nothing for a request without services of the package, and rejects unknown options", () => {
    expect(runPlugin(files, ["test/v1/library.proto"], "package=other.v1")).toEqual([]);
    expect(() => runPlugin(files, ["test/v1/library.proto"], "pkg=test.v1")).toThrow(
      /unknown option "pkg=test.v1"/,
    );
  });
});

// `npm run gen` regenerates gen/patchbay/v1/common_pb.ts in the same run as the document, after every
// plugin has run: a generator reading the options through gen/ would not see a field new to `Rules` until a
// second run. Here the request's `Rules` differs from gen/'s (max_len under another number, as a field gen/
// does not know yet would be), and the document still carries the rule.
describe("the generator and a Rules message newer than gen/", () => {
  it("reads the options as the request's descriptors declare them, not as gen/ last had them", () => {
    const work = mkdtempSync(join(tmpdir(), "openapi-rules-"));
    try {
      const put = (path: string, text: string) => {
        mkdirSync(dirname(join(work, path)), { recursive: true });
        writeFileSync(join(work, path), text);
      };
      put("buf.yaml", "version: v2\n");
      const common = readFileSync(root("proto/patchbay/v1/common.proto"), "utf8");
      const renumbered = common.replace("uint32 max_len = 3;", "uint32 max_len = 30;");
      expect(renumbered).not.toBe(common);
      put("patchbay/v1/common.proto", renumbered);
      for (const name of ["annotations", "http"]) {
        put(
          `google/api/${name}.proto`,
          readFileSync(root(`node_modules/google-proto-files/google/api/${name}.proto`), "utf8"),
        );
      }
      put(
        "test/v1/note.proto",
        `syntax = "proto3";
package test.v1;
import "google/api/annotations.proto";
import "patchbay/v1/common.proto";
// Notes.
service NoteService {
  // Adds a note.
  rpc AddNote(Note) returns (Note) {
    option (patchbay.v1.access) = {public: true};
    option (google.api.http) = {post: "/v1/notes" body: "*"};
  }
}
// A note.
message Note {
  // Its text.
  string text = 1 [(patchbay.v1.rules) = {max_len: 40}];
}
`,
      );
      const out = runPlugin(buildImage(work), ["test/v1/note.proto"], "package=test.v1");
      const doc = JSON.parse(out.find((f) => f.name === "openapi.json")?.content ?? "{}") as {
        paths: Record<string, Record<string, Json>>;
        components: { schemas: Record<string, { properties: Record<string, Json> }> };
      };
      // The access option is read from the request too: public, so no security.
      expect(doc.paths["/v1/notes"]?.post?.security).toEqual([]);
      expect(doc.components.schemas["test.v1.NoteInput"]?.properties.text).toMatchObject({
        type: "string",
        maxLength: 40,
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
