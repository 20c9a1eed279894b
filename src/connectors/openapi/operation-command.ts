import type { CommandSpecJson, FieldSpecJson } from "../../../gen/patchbay/v1/common_pb.ts";
import { headerNameProblem } from "./header-name-problem.ts";
import { isObject, type JsonSchema, objectProperties } from "./json-schema.ts";
import { METHOD_EFFECTS } from "./method-effects.ts";
import { camelCase, paramName } from "./names.ts";
import type { OperationPlan, ParamPlan } from "./openapi-plan.ts";
import { operationBaseUrl } from "./operation-base-url.ts";
import type { SchemaTable } from "./schema-table.ts";
import { mediaTypeRank, sendableMediaType } from "./sendable-media-type.ts";
import { shortText, toField } from "./to-field.ts";

const STYLES: Record<string, readonly string[]> = {
  path: ["simple", "label", "matrix"],
  query: ["form", "spaceDelimited", "pipeDelimited", "deepObject"],
  header: ["simple"],
  cookie: ["form"],
};
const DEFAULT_STYLE: Record<string, string> = {
  path: "simple",
  query: "form",
  header: "simple",
  cookie: "form",
};

/** One operation as it appears in the document. */
export interface OperationSource {
  method: string;
  path: string;
  operation: Record<string, unknown>;
  pathParameters: unknown[];
  /** The path item's own `servers`, when it has them. */
  pathServers?: unknown;
}

/** An operation turned into a command and its execution plan. */
export interface OperationCommand {
  command: CommandSpecJson;
  plan: OperationPlan;
}

function pickMedia(content: Record<string, unknown>): [string, Record<string, unknown>] | undefined {
  const entries = Object.entries(content).filter((e): e is [string, Record<string, unknown>] =>
    isObject(e[1]),
  );
  return entries.sort((a, b) => mediaTypeRank(a[0]) - mediaTypeRank(b[0]))[0];
}

function successResponse(responses: unknown): unknown {
  if (!isObject(responses)) return undefined;
  const codes = Object.keys(responses)
    .filter((code) => /^2(\d\d|XX)$/i.test(code))
    .sort();
  const key = codes[0];
  return key !== undefined ? responses[key] : undefined;
}

/**
 * Builds the command for one operation: path, query, header and cookie parameters (operation-level
 * ones override path-level ones with the same name and location), then the body: an object body's
 * top-level properties become params (renamed `body<Name>` on a clash), any other body one `body`
 * param. Outputs are the top-level properties of the first 2xx response's schema.
 */
export function operationCommand(
  source: OperationSource,
  where: string,
  schemas: SchemaTable,
  warn: (text: string) => void,
): OperationCommand {
  const { operation } = source;
  const byKey = new Map<string, Record<string, unknown>>();
  // Parameters, bodies and responses whose schemas recur are left as `$ref` by the parser: resolved here.
  for (const listed of [
    ...source.pathParameters,
    ...(Array.isArray(operation.parameters) ? operation.parameters : []),
  ]) {
    const p = schemas.resolve(listed);
    if (isObject(p) && typeof p.name === "string" && typeof p.in === "string")
      byKey.set(`${p.in}:${p.name}`, p);
  }
  const params: ParamPlan[] = [];
  const fields: Record<string, FieldSpecJson> = {};
  const claim = (wanted: string, location: string): string => {
    let name = wanted;
    if (name in fields) name = camelCase(`${location} ${wanted}`);
    for (let n = 2; name in fields; n++) name = `${camelCase(`${location} ${wanted}`)}${n}`;
    if (name !== wanted)
      warn(`${where}: ${location} parameter '${wanted}' renamed to '${name}' (name clash)`);
    return name;
  };
  for (const p of byKey.values()) {
    const location = String(p.in);
    const wireName = String(p.name);
    if (!(location in STYLES)) {
      warn(`${where}: parameter '${wireName}' in '${location}' is not supported and was skipped`);
      continue;
    }
    const problem = location === "header" ? headerNameProblem(wireName, "param") : undefined;
    if (problem !== undefined) {
      // OpenAPI itself says Accept header params are ignored (many descriptions document one on every
      // operation): skipped without a warning each.
      if (!/^accept$/i.test(wireName))
        warn(`${where}: header parameter '${wireName}' ${problem} and was skipped`);
      continue;
    }
    let schema: unknown = p.schema;
    let contentType: string | undefined;
    if (schema === undefined && isObject(p.content)) {
      const media = pickMedia(p.content);
      contentType = media?.[0];
      schema = media?.[1].schema;
      warn(
        `${where}: parameter '${wireName}' uses 'content' (${contentType ?? "none"}); its value is sent serialized as-is`,
      );
    }
    const style = typeof p.style === "string" ? p.style : (DEFAULT_STYLE[location] ?? "form");
    if (!(STYLES[location] ?? []).includes(style)) {
      warn(
        `${where}: parameter '${wireName}' has style '${style}', unsupported in ${location}; it is sent as '${DEFAULT_STYLE[location]}'`,
      );
    }
    if (location === "cookie") warn(`${where}: cookie parameter '${wireName}' is sent in a Cookie header`);
    const copied = schemas.copy(schema, `inline/${wireName}`);
    const source = schemas.resolve(schema);
    const required = location === "path" || p.required === true;
    const name = claim(paramName(wireName), location);
    const field = toField(isObject(source) ? source : {}, required, shortText(p.description));
    if (p.deprecated === true) field.description = `Deprecated. ${field.description ?? ""}`.trim();
    fields[name] = field;
    params.push({
      param: name,
      in: location as ParamPlan["in"],
      name: wireName,
      required,
      style,
      explode: typeof p.explode === "boolean" ? p.explode : style === "form",
      ...(p.allowReserved === true ? { allowReserved: true } : {}),
      ...(contentType !== undefined ? { contentType } : {}),
      schema: copied,
    });
  }

  let body: OperationPlan["body"];
  const requestBody = schemas.resolve(operation.requestBody);
  if (isObject(requestBody) && isObject(requestBody.content)) {
    const media = pickMedia(requestBody.content);
    if (media === undefined) {
      warn(`${where}: request body has no media type; skipped`);
    } else {
      const [declared, entry] = media;
      // A range (`application/*+json`) is what the server accepts, not a type to send (item 18).
      const mediaType = sendableMediaType(declared);
      const bodyRequired = requestBody.required === true;
      body = { mediaType, required: bodyRequired };
      if (mediaType.startsWith("multipart/"))
        warn(`${where}: multipart request body (${mediaType}); file parts are not supported`);
      else if (!/json|x-www-form-urlencoded|\*\/\*/i.test(mediaType))
        warn(`${where}: request body media type '${mediaType}' is sent as given text`);
      const resolved = schemas.resolve(entry.schema);
      const source: JsonSchema = isObject(resolved) ? resolved : {};
      const object = objectProperties(source, schemas.resolve);
      if (object !== null && Object.keys(object.properties).length > 0) {
        for (const [key, prop] of Object.entries(object.properties)) {
          const property = schemas.resolve(prop);
          const propSource: JsonSchema = isObject(property) ? property : {};
          if (propSource.readOnly === true) continue;
          const required = bodyRequired && object.required.has(key);
          const name = claim(paramName(key), "body");
          fields[name] = toField(propSource, required, "");
          params.push({
            param: name,
            in: "body",
            name: key,
            required,
            schema: schemas.copy(prop, `inline/${key}`),
          });
        }
      } else {
        const name = claim("body", "body");
        fields[name] = toField(source, bodyRequired, shortText(requestBody.description) || "Request body.");
        const schema = schemas.copy(entry.schema, "inline/body");
        params.push({ param: name, in: "body", name: "", required: bodyRequired, schema });
      }
    }
  }

  const outputs: string[] = [];
  let responseMediaType: string | undefined;
  const success = schemas.resolve(successResponse(operation.responses));
  if (isObject(success) && isObject(success.content)) {
    const media = pickMedia(success.content);
    if (media !== undefined) {
      responseMediaType = media[0];
      const schema = schemas.resolve(media[1].schema);
      const object = isObject(schema) ? objectProperties(schema, schemas.resolve) : null;
      if (object !== null) outputs.push(...Object.keys(object.properties));
    }
  }

  const command: CommandSpecJson = {
    description:
      shortText(operation.summary, operation.description) || `${source.method.toUpperCase()} ${source.path}`,
    params: params.map((p) => p.param),
    outputs,
    paramSchema: fields,
    ...(operation.deprecated === true
      ? { deprecated: true, deprecatedMessage: "Deprecated in the API description." }
      : {}),
    ...METHOD_EFFECTS[source.method.toLowerCase()],
  };
  const baseUrl = operationBaseUrl(source.operation.servers, source.pathServers, where, warn);
  const plan: OperationPlan = {
    operationId: "",
    method: source.method.toUpperCase(),
    path: source.path,
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    params,
    ...(body !== undefined ? { body } : {}),
    ...(Array.isArray(operation.security)
      ? { security: operation.security as OperationPlan["security"] & object }
      : {}),
    ...(responseMediaType !== undefined ? { responseMediaType } : {}),
  };
  return { command, plan };
}
