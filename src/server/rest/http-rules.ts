import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { getOption, hasOption } from "@bufbuild/protobuf";
import { http } from "../../../gen/google/api/annotations_pb.ts";
import type { HttpRule } from "../../../gen/google/api/http_pb.ts";

/** One segment of a parsed path template. */
export type TemplateSegment =
  | { readonly kind: "literal"; readonly value: string }
  | { readonly kind: "wildcard" } // `*`: exactly one segment
  | { readonly kind: "deep" }; // `**`: zero or more segments, only last

/** A `{field.path=pattern}` binding over segments [start, end) of the template. */
export interface TemplateVariable {
  /** Field names along the path (`book.name` → ["book", "name"]), as written in the template. */
  readonly fieldPath: readonly string[];
  readonly start: number;
  readonly end: number;
  /** True when the pattern is more than one `*` (it may match several segments, and keeps `%2F`). */
  readonly multiSegment: boolean;
}

/** A parsed HttpRule path template (google/api/http.proto grammar). */
export interface PathTemplate {
  readonly source: string;
  readonly segments: readonly TemplateSegment[];
  readonly variables: readonly TemplateVariable[];
  /** The custom verb after the last `:` (`/v1/jobs:claim` → "claim"), or undefined. */
  readonly verb: string | undefined;
}

/** A malformed template; the message says where. */
export class TemplateError extends Error {
  override name = "TemplateError";
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LITERAL = /^[A-Za-z0-9\-._~%!$&'()+,;=@]+$/;

/**
 * Parses `Template = "/" Segments [ Verb ]` with `{var}`, `{var=pattern}`, `*` and a trailing `**`.
 * A variable never nests; `**` may only be last.
 */
export function parseTemplate(source: string): PathTemplate {
  if (!source.startsWith("/")) throw new TemplateError(`template must start with '/': ${source}`);
  let path = source.slice(1);
  let verb: string | undefined;
  const lastSlash = path.lastIndexOf("/");
  const lastClose = path.lastIndexOf("}");
  const colon = path.lastIndexOf(":");
  if (colon > lastSlash && colon > lastClose) {
    verb = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!LITERAL.test(verb)) throw new TemplateError(`bad verb in ${source}`);
  }
  const segments: TemplateSegment[] = [];
  const variables: TemplateVariable[] = [];
  const parts = splitOutsideBraces(path, source);
  for (const part of parts) {
    if (part.startsWith("{")) {
      if (!part.endsWith("}")) throw new TemplateError(`unclosed variable in ${source}`);
      const inner = part.slice(1, -1);
      const eq = inner.indexOf("=");
      const name = eq < 0 ? inner : inner.slice(0, eq);
      const fieldPath = name.split(".");
      if (!fieldPath.every((f) => IDENT.test(f)))
        throw new TemplateError(`bad field path '${name}' in ${source}`);
      const pattern = eq < 0 ? ["*"] : inner.slice(eq + 1).split("/");
      const start = segments.length;
      for (const p of pattern) segments.push(parseSegment(p, source));
      variables.push({
        fieldPath,
        start,
        end: segments.length,
        multiSegment: pattern.length > 1 || pattern.includes("**"),
      });
    } else {
      segments.push(parseSegment(part, source));
    }
  }
  const deep = segments.findIndex((s) => s.kind === "deep");
  if (deep >= 0 && deep !== segments.length - 1) throw new TemplateError(`'**' must be last in ${source}`);
  return { source, segments, variables, verb };
}

function splitOutsideBraces(path: string, source: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of path) {
    if (ch === "{") depth += 1;
    if (ch === "}") depth -= 1;
    if (depth < 0 || depth > 1) throw new TemplateError(`unbalanced or nested braces in ${source}`);
    if (ch === "/" && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  if (depth !== 0) throw new TemplateError(`unclosed variable in ${source}`);
  parts.push(current);
  // A variable's pattern holds slashes; re-join "{a=x" "y}" pieces split above is unnecessary because
  // the split ignores slashes inside braces.
  if (parts.some((p) => p === "")) throw new TemplateError(`empty segment in ${source}`);
  return parts;
}

function parseSegment(text: string, source: string): TemplateSegment {
  if (text === "*") return { kind: "wildcard" };
  if (text === "**") return { kind: "deep" };
  if (!LITERAL.test(text)) throw new TemplateError(`bad segment '${text}' in ${source}`);
  return { kind: "literal", value: text };
}

/** One HTTP binding of an RPC: the rule itself or one of its `additional_bindings`. */
export interface HttpBinding {
  readonly service: DescService;
  readonly method: DescMethod;
  /** Upper-case HTTP method (GET, POST, PUT, PATCH, DELETE, or a custom kind). */
  readonly httpMethod: string;
  readonly template: PathTemplate;
  /** "" (no body), "*" (every unbound field) or a top-level field name. */
  readonly body: string;
  /** "" (the whole response) or a top-level response field name. */
  readonly responseBody: string;
  /** 0 for the rule itself, 1… for additional bindings (OpenAPI operation ids get the suffix). */
  readonly index: number;
}

function bindingOf(service: DescService, method: DescMethod, rule: HttpRule, index: number): HttpBinding {
  const p = rule.pattern;
  let httpMethod: string;
  let path: string;
  switch (p.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      httpMethod = p.case.toUpperCase();
      path = p.value;
      break;
    case "custom":
      httpMethod = p.value.kind.toUpperCase();
      path = p.value.path;
      break;
    default:
      throw new TemplateError(`${method.parent.typeName}.${method.name} has an HttpRule without a pattern`);
  }
  return {
    service,
    method,
    httpMethod,
    template: parseTemplate(path),
    body: rule.body,
    responseBody: rule.responseBody,
    index,
  };
}

/** Every HTTP binding of the unary methods of `services`, from their `google.api.http` options. */
export function collectBindings(services: readonly DescService[]): HttpBinding[] {
  const bindings: HttpBinding[] = [];
  for (const service of services) {
    for (const method of service.methods) {
      if (method.methodKind !== "unary" || !hasOption(method, http)) continue;
      const rule = getOption(method, http);
      bindings.push(bindingOf(service, method, rule, 0));
      rule.additionalBindings.forEach((extra, i) => {
        bindings.push(bindingOf(service, method, extra, i + 1));
      });
    }
  }
  return bindings;
}
