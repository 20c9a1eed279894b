import { Code, ConnectError } from "@connectrpc/connect";
import { compileErrors, dereference, validate } from "@readme/openapi-parser";
import { upgrade } from "@scalar/openapi-upgrader";
import { parse as parseYaml } from "yaml";
import { DOCUMENT_LIMITS, type DocumentLimits, MAX_DOCUMENT_BYTES } from "./import-limits.ts";
import { isObject } from "./json-schema.ts";
import { measureExpansion } from "./measure-expansion.ts";
import { MAX_REF_HOPS } from "./ref-regions.ts";

const MAX_MESSAGE = 600;

/** A validated, dereferenced OpenAPI 3.0/3.1 document and what loading it noted. */
export interface LoadedDocument {
  document: Record<string, unknown>;
  /** Objects `$ref`s resolved to, with the first `$ref` text met: each may appear in several places. */
  refTargets: ReadonlyMap<object, string>;
  /** "3.0", "3.1", or "2.0" for a Swagger document upgraded to 3.0. */
  sourceVersion: string;
  warnings: string[];
}

function invalid(field: string, reason: string, cause?: unknown): ConnectError {
  const text = `${field}: ${reason}`;
  return new ConnectError(
    text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text,
    Code.InvalidArgument,
    undefined,
    undefined,
    cause,
  );
}

function parseText(text: string, field: string): unknown {
  if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES) {
    throw invalid(field, `the document is larger than ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB`);
  }
  const trimmed = text.trimStart();
  if (trimmed === "") throw invalid(field, "the document is empty");
  try {
    // JSON is YAML, but the JSON parser is several times faster on the large descriptions.
    if (trimmed.startsWith("{")) return JSON.parse(text);
    // A low alias budget refuses "billion laughs" documents instead of expanding them.
    return parseYaml(text, { maxAliasCount: 200 });
  } catch (error) {
    throw invalid(
      field,
      `the document is neither valid JSON nor valid YAML (${(error as Error).message.split("\n")[0]})`,
      error,
    );
  }
}

/**
 * Refuses every `$ref` that leaves the document. Nothing is fetched and no local file is read: a
 * description submitted to a server must not make it reach out (SSRF) or disclose its files. In the
 * same walk, counts the work the description asks for (nodes, depth, `$ref`s) and refuses it past
 * `limits`: the counts decide, never the clock.
 */
function checkDocument(root: object, field: string, limits: DocumentLimits): void {
  // for...in rather than Object.entries: this walks every node of descriptions of many megabytes.
  const stack: object[] = [root];
  const depths: number[] = [1];
  let nodes = 0;
  let refs = 0;
  const over = (what: string, limit: number) =>
    invalid(field, `the description has more than ${limit} ${what}; import a smaller description`);
  for (let value = stack.pop(); value !== undefined; value = stack.pop()) {
    const depth = depths.pop() ?? 1;
    if (++nodes > limits.nodes) throw over("objects and arrays", limits.nodes);
    if (depth > limits.depth) throw over("levels of nesting", limits.depth);
    if (Array.isArray(value)) {
      for (const item of value)
        if (typeof item === "object" && item !== null) {
          stack.push(item);
          depths.push(depth + 1);
        }
      continue;
    }
    const node = value as Record<string, unknown>;
    for (const key in node) {
      const item = node[key];
      if (typeof item === "object" && item !== null) {
        stack.push(item);
        depths.push(depth + 1);
      } else if (key === "$ref" && typeof item === "string") {
        if (++refs > limits.refs) throw over("$refs", limits.refs);
        if (!item.startsWith("#"))
          throw invalid(
            field,
            `external $ref '${item.slice(0, 200)}' is not supported; bundle the description into one document first`,
          );
      }
    }
  }
}

/**
 * Refuses a description whose dereference and validation would take more work than `limit`
 * (measure-expansion.ts), before the parser starts on it: its time grows with what the document
 * becomes once its `$ref`s are resolved, which can be exponential in the document's size.
 */
function checkExpansion(root: object, field: string, limit: number): void {
  const work = measureExpansion(root, limit);
  if (work === Number.POSITIVE_INFINITY)
    throw invalid(
      field,
      `a $ref's pointer passes through more than ${MAX_REF_HOPS} other $refs; point at the schema itself`,
    );
  if (work > limit)
    throw invalid(
      field,
      `the description is too large once its $refs are resolved: validating it would walk more than ${limit.toLocaleString("en-US")} values (a schema counts once for each place it is used); import a smaller description, or one whose schemas reuse each other less`,
    );
}

function versionOf(document: Record<string, unknown>, field: string): string {
  if (document.swagger === "2.0") return "2.0";
  const openapi = typeof document.openapi === "string" ? document.openapi : "";
  if (/^3\.[01]\.\d+$/.test(openapi)) return openapi.slice(0, 3);
  throw invalid(
    field,
    openapi === ""
      ? "not an OpenAPI document (no 'openapi' or 'swagger' version field)"
      : `OpenAPI ${openapi.slice(0, 20)} is not supported; use 3.0, 3.1 or Swagger 2.0`,
  );
}

/**
 * Parses (JSON or YAML text, or an object), checks the version, refuses external references,
 * validates with @readme/openapi-parser, upgrades Swagger 2.0 with @scalar/openapi-upgrader, and
 * dereferences internal `$ref`s. Circular references are left as `$ref` for the caller to cut.
 */
export async function loadDocument(
  input: string | object,
  field: string,
  parsedText: () => void = () => undefined,
  limits: DocumentLimits = DOCUMENT_LIMITS,
): Promise<LoadedDocument> {
  const parsed = typeof input === "string" ? parseText(input, field) : structuredClone(input);
  parsedText();
  if (!isObject(parsed)) throw invalid(field, "the document must be a JSON or YAML object");
  const sourceVersion = versionOf(parsed, field);
  checkDocument(parsed, field, limits);
  if (!isObject(parsed.paths)) throw invalid(field, "the document has no 'paths' object");
  checkExpansion(parsed, field, limits.expansion);
  const refTargets = new Map<object, string>();
  const options = (collect: boolean) => ({
    resolve: { external: false, file: false },
    dereference: {
      circular: "ignore" as const,
      ...(collect
        ? {
            onDereference: (ref: string, value: object) => {
              if (typeof value === "object" && value !== null && !refTargets.has(value))
                refTargets.set(value, ref);
            },
          }
        : {}),
    },
    // No `timeoutMs`: the ref parser would read the clock at every key it walks (about a tenth of a
    // large import), and under load refuse a valid description as invalid. What is accepted is decided
    // by counts (checkDocument, checkExpansion); the import worker's deadline only ends runaway work.
  });
  // validate() dereferences the object it is given in place (its ref parser's `mutateInputSchema`
  // default), circular references left as `$ref`. For OpenAPI 3.x that object is the document to
  // import: parsed, dereferenced and walked once, never copied. Swagger 2.0 is upgraded from its
  // un-dereferenced form, so there the validator gets a copy.
  const upgrading = sourceVersion === "2.0";
  let result: Awaited<ReturnType<typeof validate>>;
  try {
    // The parser takes a string as a path or URL; only ever hand it the parsed object.
    result = await validate((upgrading ? structuredClone(parsed) : parsed) as never, options(!upgrading));
  } catch (error) {
    throw invalid(field, `the document could not be validated (${(error as Error).message})`, error);
  }
  if (!result.valid)
    throw invalid(
      field,
      `the document is not valid ${result.specification ?? "OpenAPI"}: ${compileErrors(result).replace(/\s+/g, " ").trim()}`,
    );
  const warnings = result.warnings.map((w) => `validation: ${w.message}`);
  if (!upgrading) return { document: parsed, refTargets, sourceVersion, warnings };
  warnings.push("Swagger 2.0 description upgraded to OpenAPI 3.0 before import");
  const upgraded = upgrade(parsed, "3.0") as unknown as Record<string, unknown>;
  try {
    const document = await dereference(upgraded as never, options(true));
    return {
      document: document as unknown as Record<string, unknown>,
      refTargets,
      sourceVersion,
      warnings,
    };
  } catch (error) {
    throw invalid(
      field,
      `the document's references could not be resolved (${(error as Error).message})`,
      error,
    );
  }
}
