import { STATUS_CODES } from "node:http";
import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { getOption, hasOption } from "@bufbuild/protobuf";
import type { HttpBinding } from "../../src/server/rest/http-rules.ts";
import { commentOf, firstSentence } from "./comments.ts";
import type { DeclaredOptions } from "./declared-options.ts";
import {
  DEFAULT_ERROR_RESPONSE,
  documentedErrorStatuses,
  errorResponseName,
  rateLimitHeaders,
} from "./error-responses.ts";
import type { JsonObject } from "./json.ts";
import { openApiPath } from "./path-parameters.ts";
import { queryParameters } from "./query-parameters.ts";
import type { SchemaBuilder } from "./schema-builder.ts";
import { isHttpBody, RAW_BODY_SCHEMA } from "./well-known-schema.ts";

/** One operation of the document, with the place it goes. */
export interface BuiltOperation {
  readonly path: string;
  /** Lower-case OpenAPI method key: get, put, post, delete, patch, head, options or trace. */
  readonly method: string;
  readonly operation: JsonObject;
}

const OPENAPI_METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options", "trace"]);

/** `<Service>_<Method>`, plus `_1`, `_2`… for additional bindings (grpc-gateway's convention). */
export function operationIdOf(binding: HttpBinding): string {
  const base = `${binding.service.name}_${binding.method.name}`;
  return binding.index === 0 ? base : `${base}_${binding.index}`;
}

/** The access rule of an RPC; without the option it needs "admin", as the auth interceptor enforces. */
function accessOf(binding: HttpBinding, declared: DeclaredOptions): { isPublic: boolean; scope: string } {
  const { access } = declared;
  if (access === undefined || !hasOption(binding.method, access)) return { isPublic: false, scope: "admin" };
  const rule = getOption(binding.method, access);
  return { isPublic: rule.public, scope: rule.scope === "" ? "admin" : rule.scope };
}

function topLevelField(message: DescMessage, name: string, what: string): DescField {
  const field = message.fields.find((f) => f.name === name);
  if (field === undefined)
    throw new Error(`${what} names no top-level field of ${message.typeName}: ${name}`);
  return field;
}

function rawContent(description: string): JsonObject {
  return { "*/*": { schema: { ...RAW_BODY_SCHEMA, description } } };
}

// Bodies are never `required`: the bridge reads an empty body as an empty message, and every proto3
// field is optional on the wire; the input rules (`required` in the body's schema) refuse what is missing.
function requestBody(
  binding: HttpBinding,
  boundTopLevel: ReadonlySet<string>,
  schemas: SchemaBuilder,
): JsonObject | undefined {
  const input = binding.method.input;
  if (binding.body === "") return undefined;
  if (binding.body === "*") {
    const schema =
      boundTopLevel.size === 0 ? schemas.messageSchema(input) : schemas.objectSchema(input, boundTopLevel);
    return { content: { "application/json": { schema } } } satisfies JsonObject;
  }
  const field = topLevelField(input, binding.body, "body");
  if (field.fieldKind === "message" && isHttpBody(field.message)) {
    return {
      description: "The raw request body, passed through byte for byte with its Content-Type.",
      content: rawContent("Any bytes; the handler sees them unchanged."),
    } satisfies JsonObject;
  }
  return { content: { "application/json": { schema: schemas.fieldSchema(field) } } } satisfies JsonObject;
}

function successContent(binding: HttpBinding, schemas: SchemaBuilder): JsonObject {
  const output = binding.method.output;
  if (binding.responseBody === "") {
    if (isHttpBody(output)) return rawContent("The handler's bytes, with the Content-Type it chose.");
    return { "application/json": { schema: schemas.messageSchema(output, "response") } };
  }
  const field = topLevelField(output, binding.responseBody, "response_body");
  if (field.fieldKind === "message" && isHttpBody(field.message)) {
    return rawContent(`\`${field.name}\`: the handler's bytes, with the Content-Type it chose.`);
  }
  return { "application/json": { schema: schemas.fieldSchema(field, "response") } };
}

function successResponses(
  binding: HttpBinding,
  isPublic: boolean,
  schemas: SchemaBuilder,
  declared: DeclaredOptions,
): JsonObject {
  const content = successContent(binding, schemas);
  // Only requests with an API key pass the rate limiter, so only they carry its headers.
  const limit = isPublic ? {} : rateLimitHeaders();
  const response = (description: string, headers: JsonObject, body?: JsonObject): JsonObject => ({
    description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(body === undefined ? {} : { content: body }),
  });
  const { rest } = declared;
  const statuses =
    rest !== undefined && hasOption(binding.method, rest)
      ? getOption(binding.method, rest).successStatuses
      : [];
  const responses: JsonObject = { "200": response("OK", limit, content) };
  for (const status of [...new Set(statuses)].sort((a, b) => a - b)) {
    if (status === 200) continue;
    const text = STATUS_CODES[status] ?? "Success";
    if (status >= 300 && status < 400) {
      const location = { description: "Where to go next.", schema: { type: "string", format: "uri" } };
      responses[String(status)] = response(`${text}: a redirect instead of the body.`, {
        Location: location,
        ...limit,
      });
    } else if (status === 204) {
      responses[String(status)] = response(text, limit);
    } else {
      responses[String(status)] = response(text, limit, content);
    }
  }
  return responses;
}

function errorRefs(isPublic: boolean): JsonObject {
  const responses: JsonObject = {};
  for (const status of documentedErrorStatuses(isPublic)) {
    responses[String(status)] = { $ref: `#/components/responses/${errorResponseName(status)}` };
  }
  responses.default = { $ref: `#/components/responses/${DEFAULT_ERROR_RESPONSE}` };
  return responses;
}

/**
 * Builds the operation of one HTTP binding: path and query parameters, request body, success statuses
 * (200 plus the method's `patchbay.v1.rest` statuses), error responses from the shared status table,
 * and its security (`security: []` for public RPCs, `x-patchbay-scope` otherwise).
 */
export function buildOperation(
  binding: HttpBinding,
  schemas: SchemaBuilder,
  declared: DeclaredOptions,
): BuiltOperation {
  const method = binding.httpMethod.toLowerCase();
  if (!OPENAPI_METHODS.has(method)) {
    throw new Error(`${operationIdOf(binding)}: OpenAPI cannot describe HTTP method ${binding.httpMethod}`);
  }
  const { path, parameters: pathParameters, boundFields } = openApiPath(binding, schemas);
  const boundTopLevel = new Set(boundFields.filter((f) => f.length === 1).map((f) => f.join(".")));
  const excluded = new Set(boundFields.map((f) => f.join(".")));
  let query: { parameters: JsonObject[]; omitted: readonly string[] } = { parameters: [], omitted: [] };
  if (binding.body !== "*") {
    if (binding.body !== "") excluded.add(binding.body);
    query = queryParameters(binding.method.input, excluded, schemas, declared);
  }
  const { isPublic, scope } = accessOf(binding, declared);

  const comment = commentOf(binding.method);
  const notes = [comment];
  notes.push(
    isPublic
      ? "Public: no API key needed."
      : scope === "admin"
        ? "Requires an API key with scope `admin`."
        : `Requires an API key with scope \`${scope}\` (or \`admin\`, which implies every scope).`,
  );
  if (query.omitted.length > 0) {
    notes.push(`Not settable from the query string: ${query.omitted.join(", ")}.`);
  }

  const operation: JsonObject = {
    operationId: operationIdOf(binding),
    tags: [binding.service.name],
  };
  const summary = firstSentence(comment);
  if (summary !== "") operation.summary = summary;
  operation.description = notes.filter((n) => n !== "").join("\n\n");
  const parameters = [...pathParameters, ...query.parameters];
  if (parameters.length > 0) operation.parameters = parameters;
  const body = requestBody(binding, boundTopLevel, schemas);
  if (body !== undefined) operation.requestBody = body;
  operation.responses = { ...successResponses(binding, isPublic, schemas, declared), ...errorRefs(isPublic) };
  if (isPublic) operation.security = [];
  else operation["x-patchbay-scope"] = scope;
  if (binding.method.deprecated) operation.deprecated = true;
  return { path, method, operation };
}
