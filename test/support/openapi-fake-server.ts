import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { upgrade } from "@scalar/openapi-upgrader";
import type { Ajv, ErrorObject } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { type Document, OpenAPIBackend, type Operation } from "openapi-backend";
import { sampleSchema } from "./sample-schema.ts";

/** One request the fake server received, and what checking it against the description found. */
export interface CheckedRequest {
  /** The matched operation (`METHOD /path` for an operation without an id); undefined when none matched. */
  operationId: string | undefined;
  method: string;
  /** Path as received, base path included, query excluded. */
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  /** Parsed JSON, form fields (urlencoded or multipart) as an object, other text as a string. */
  body: unknown;
  /** Every way the request breaks the description; empty when it conforms. */
  errors: string[];
}

/** A loopback HTTP server that answers as the described API and records every request, checked. */
export interface FakeApiServer {
  /** `http://127.0.0.1:<port>` plus the base path: what replaces the description's server URL. */
  url: string;
  requests: CheckedRequest[];
  /** Answers every later request matched to `operationId` with this status, JSON body and headers. */
  respond(operationId: string, status: number, body?: unknown, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

/** Options of {@link startFakeApiServer}. */
export interface FakeApiServerOptions {
  /** Path prefix of the API (the path of the description's server URL, e.g. `/api/v3`); default none. */
  basePath?: string;
}

interface Reply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * Starts a fake of the API an OpenAPI 3.0/3.1 description (or Swagger 2.0, upgraded to 3.0 first)
 * describes, on 127.0.0.1 and a free port. Each request is routed and validated by openapi-backend,
 * recorded in `requests`, and answered with the operation's mocked success response unless `respond`
 * set another; a request that matches no operation is answered 404.
 */
export async function startFakeApiServer(
  document: object,
  options: FakeApiServerOptions = {},
): Promise<FakeApiServer> {
  const basePath = (options.basePath ?? "").replace(/\/+$/, "");
  const definition = prepare(document);
  // openapi-backend compiles with Ajv's draft-07 class, which ignores 3.1's JSON Schema 2020-12
  // keywords (prefixItems, unevaluatedProperties, dependentRequired).
  const is31 = definition.openapi.startsWith("3.1");
  const api = new OpenAPIBackend({
    definition,
    apiRoot: basePath === "" ? "/" : basePath,
    // Quick mode skips openapi-backend's 3.0-only check of the document (it would drop a 3.1 one) and
    // compiles each operation's validator on its first request: GitHub's 600 take ~20 s up front.
    quick: true,
    // Published descriptions break JSON Schema meta-rules Ajv enforces (Rebilly repeats enum values),
    // and use formats no one defines; every error is reported, not the first of each part.
    ajvOpts: { validateSchema: false, logger: false, allErrors: true },
    customizeAjv: (ajv, ajvOpts) => addFormats.default(is31 ? (new Ajv2020(ajvOpts) as unknown as Ajv) : ajv),
  });
  await api.init();
  const replies = new Map<string, Reply>();
  const requests: CheckedRequest[] = [];

  const server = createServer((req, res) => {
    void handle(req).then(
      (reply) => {
        const empty = reply.status === 204 || reply.status === 304 || reply.body === undefined;
        res.writeHead(reply.status, {
          ...(empty ? {} : { "content-type": "application/json" }),
          ...reply.headers,
        });
        res.end(empty ? undefined : JSON.stringify(reply.body));
      },
      (error: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(error));
      },
    );
  });

  async function handle(req: IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = (req.method ?? "GET").toLowerCase();
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(", ") : (value ?? ""),
      ]),
    );
    const raw = await readBody(req);
    const mediaType = (headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    const body = await parseBody(raw, mediaType, headers["content-type"] ?? "");
    const checked: CheckedRequest = {
      operationId: undefined,
      method: method.toUpperCase(),
      path: url.pathname,
      query: group(url.searchParams),
      headers,
      body: body.value,
      errors: body.error === undefined ? [] : [body.error],
    };
    requests.push(checked);
    const request = { method, path: url.pathname, query: url.search.slice(1), headers };
    const operation = api.matchOperation(request);
    if (operation?.operationId === undefined) {
      checked.errors.push(`no operation matches ${checked.method} ${url.pathname}`);
      return { status: 404, body: { message: "Not Found" }, headers: {} };
    }
    const { operationId } = operation;
    checked.operationId = operationId;
    checked.errors.push(...checkMediaType(operation, raw.length > 0, mediaType));
    // openapi-backend parses a JSON text itself (and only then validates a JSON string or number body).
    const structured = typeof body.value === "object" && body.value !== null;
    const forBackend = structured ? coerceForm(operation, mediaType, body.value) : raw.toString("utf8");
    try {
      const result = api.validateRequest(
        { ...request, body: raw.length > 0 ? forBackend : undefined },
        operation,
      );
      for (const error of result.errors ?? []) {
        // A body that is not JSON or form fields (XML, plain text, malformed JSON) is checked by its
        // media type and parsing above; openapi-backend's schema errors on the text would be noise.
        if (!body.checkable && isBodyError(error)) continue;
        checked.errors.push(describe(error));
      }
    } catch (error) {
      checked.errors.push(`the operation's validator could not be built: ${(error as Error).message}`);
    }
    return replies.get(operationId) ?? mockReply(operation);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    requests,
    respond(operationId, status, body, headers = {}) {
      replies.set(operationId, { status, body, headers });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * Upgrades Swagger 2.0, rewrites 3.0's boolean exclusive bounds for Ajv, and names each operation
 * without an id `METHOD /path` so it can be validated.
 */
function prepare(input: object): Document {
  const source = structuredClone(input) as Record<string, unknown>;
  const document = (source.swagger === "2.0" ? upgrade(source, "3.0") : source) as Document;
  if (document.openapi.startsWith("3.0")) numericExclusiveBounds(document, new WeakSet());
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const) {
      const operation = item?.[method];
      if (operation && operation.operationId === undefined)
        operation.operationId = `${method.toUpperCase()} ${path}`;
    }
  }
  return document;
}

/** 3.0's `minimum: 1, exclusiveMinimum: true` as JSON Schema's `exclusiveMinimum: 1`, which Ajv requires. */
function numericExclusiveBounds(node: unknown, seen: WeakSet<object>): void {
  if (typeof node !== "object" || node === null || seen.has(node)) return;
  seen.add(node);
  const schema = node as Record<string, unknown>;
  for (const [exclusive, bound] of [
    ["exclusiveMinimum", "minimum"],
    ["exclusiveMaximum", "maximum"],
  ] as const) {
    if (typeof schema[exclusive] !== "boolean") continue;
    if (schema[exclusive] && typeof schema[bound] === "number") {
      schema[exclusive] = schema[bound];
      delete schema[bound];
    } else delete schema[exclusive];
  }
  for (const child of Object.values(schema)) numericExclusiveBounds(child, seen);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Name-value pairs as a record, a repeated name's values as an array. */
function group(pairs: Iterable<[string, string]>): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const previous = record[name];
    record[name] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return record;
}

interface ParsedBody {
  value: unknown;
  /** Whether openapi-backend can check the body against a schema (JSON, form fields); else only its media type is. */
  checkable: boolean;
  error?: string;
}

async function parseBody(raw: Buffer, mediaType: string, contentType: string): Promise<ParsedBody> {
  if (raw.length === 0) return { value: undefined, checkable: true };
  const text = raw.toString("utf8");
  if (mediaType === "application/json" || mediaType.endsWith("+json")) {
    try {
      return { value: JSON.parse(text), checkable: true };
    } catch (error) {
      return { value: text, checkable: false, error: `body is not valid JSON: ${(error as Error).message}` };
    }
  }
  if (mediaType === "application/x-www-form-urlencoded" || mediaType === "multipart/form-data") {
    try {
      const form = await new Response(raw, { headers: { "content-type": contentType } }).formData();
      const pairs = await Promise.all(
        [...form].map(
          async ([name, item]): Promise<[string, string]> => [
            name,
            typeof item === "string" ? item : await item.text(),
          ],
        ),
      );
      return { value: group(pairs), checkable: true };
    } catch (error) {
      const reason = (error as Error).message;
      return { value: text, checkable: false, error: `body is not valid ${mediaType}: ${reason}` };
    }
  }
  return { value: text, checkable: false };
}

type RequestBody = { required?: boolean; content?: Record<string, { schema?: unknown }> };

/** openapi-backend checks the body's content only; this checks it is declared and of a declared type. */
function checkMediaType(operation: Operation, hasBody: boolean, mediaType: string): string[] {
  const requestBody = operation.requestBody as RequestBody | undefined;
  const declared = Object.keys(requestBody?.content ?? {});
  if (!hasBody) {
    // openapi-backend reports a missing required body itself when it has a schema to check it with.
    return requestBody?.required === true && backendBodySchema(operation) === undefined
      ? ["request body is required"]
      : [];
  }
  if (requestBody === undefined) return ["the operation takes no request body"];
  const matches = declared.some((range) => {
    const declaredType = range.split(";")[0]?.trim().toLowerCase() ?? "";
    if (declaredType === "*/*" || declaredType === mediaType) return true;
    return declaredType.endsWith("/*") && mediaType.startsWith(declaredType.slice(0, -1));
  });
  return matches
    ? []
    : [`content-type '${mediaType}' is not one of the request body's media types: ${declared.join(", ")}`];
}

/** The one schema openapi-backend validates any body with, whatever its media type. */
function backendBodySchema(operation: Operation): Record<string, unknown> | undefined {
  const content = (operation.requestBody as RequestBody | undefined)?.content ?? {};
  const media =
    content["application/json"] ??
    content["multipart/form-data"] ??
    content["application/x-www-form-urlencoded"];
  return media?.schema as Record<string, unknown> | undefined;
}

/** Form fields are strings: turn those whose property is a number, boolean or array into one. */
function coerceForm(operation: Operation, mediaType: string, body: unknown): unknown {
  if (mediaType !== "application/x-www-form-urlencoded" && mediaType !== "multipart/form-data") return body;
  const properties = (backendBodySchema(operation)?.properties ?? {}) as Record<string, { type?: unknown }>;
  const fields = { ...(body as Record<string, unknown>) };
  for (const [name, value] of Object.entries(fields)) {
    const type = properties[name]?.type;
    if (type === "array" && !Array.isArray(value)) fields[name] = [value];
    else if ((type === "integer" || type === "number") && value !== "" && !Number.isNaN(Number(value)))
      fields[name] = Number(value);
    else if (type === "boolean" && (value === "true" || value === "false")) fields[name] = value === "true";
  }
  return fields;
}

function isBodyError(error: ErrorObject): boolean {
  return (
    error.instancePath.startsWith("/requestBody") ||
    error.schemaPath === "#/requestBody" ||
    (error.keyword === "required" && error.params.missingProperty === "requestBody")
  );
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === "" ? "request" : error.instancePath;
  const detail =
    error.keyword === "additionalProperties"
      ? ` '${String(error.params.additionalProperty)}'`
      : error.keyword === "enum"
        ? ` ${JSON.stringify(error.params.allowedValues)}`
        : "";
  return `${where} ${error.message ?? error.keyword}${detail}`;
}

type MediaObject = { example?: unknown; examples?: Record<string, { value?: unknown }>; schema?: unknown };

/**
 * The operation's first success response (2xx, else `default`): its example, or a value sampled from
 * its schema. openapi-backend's mockResponseForOperation is not used: it answers an operation that
 * only declares errors with that error, and its schema mock has no depth limit (it runs for minutes
 * on Rebilly's circular schemas).
 */
function mockReply(operation: Operation): Reply {
  const responses = (operation.responses ?? {}) as Record<string, { content?: Record<string, MediaObject> }>;
  const code = Object.keys(responses).filter((key) => /^2\d\d$/.test(key))[0] ?? "default";
  const status = code === "default" ? 200 : Number(code);
  const content = responses[code]?.content ?? {};
  const media = content[Object.keys(content).find((type) => /^application\/(.+\+)?json\b/.test(type)) ?? ""];
  if (media === undefined) return { status, body: status === 204 ? undefined : {}, headers: {} };
  const example = media.example ?? Object.values(media.examples ?? {})[0]?.value;
  return { status, body: example ?? sampleSchema(media.schema, { nodes: 2000 }), headers: {} };
}
