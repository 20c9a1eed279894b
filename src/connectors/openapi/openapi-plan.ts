import type { JsonSchema } from "./json-schema.ts";

/** How a plan schema points at an entry of the plan's `schemas` table: `#/schemas/<name>`. */
export const PLAN_REF_PREFIX = "#/schemas/";

/**
 * Everything needed to execute an OpenAPI-derived connector's commands later, as plain JSON. The
 * catalog keeps it beside the connector's `configSchema` (the seed 004 shape, which has no room for
 * HTTP details); execution builds each request from it without re-reading the document.
 */
export interface OpenApiPlan {
  /**
   * Plan format. 2: shared schemas are stored once, in `schemas`. 1 (imports before 2026-12): every
   * schema written out in full where it is used, recursion cut; still executed as stored.
   */
  format: 1 | 2;
  /** The document's `openapi` version after any upgrade, e.g. "3.0.3". */
  openapi: string;
  /** Default base URL from `servers[0]`, variables substituted; "" when the document has none. */
  baseUrl: string;
  /** How each security scheme is applied, by scheme name. */
  securitySchemes: Record<string, SecurityBinding>;
  /** Alternatives of the document-level `security` (each entry: scheme name → scopes). */
  security: Array<Record<string, string[]>>;
  /** Operations by command name. */
  operations: Record<string, OperationPlan>;
  /**
   * Format 2: the schemas used in more than one place, by name (a component's name, e.g. `Pet`).
   * Param schemas point at them, and they at each other, with `{"$ref": "#/schemas/<name>"}`, so a
   * recursive schema stays recursive. Absent in format 1.
   */
  schemas?: Record<string, JsonSchema>;
}

/** How one security scheme reaches the request, and from which connection fields. */
export type SecurityBinding =
  | { type: "apiKey"; in: "header" | "query" | "cookie"; name: string; field: string }
  | { type: "bearer"; field: "bearerToken" }
  | { type: "basic"; usernameField: "username"; passwordField: "password" }
  | { type: "oauth2"; flows: string[] };

/** One parameter of an operation: the command param that feeds it and where it goes on the wire. */
export interface ParamPlan {
  /** Command param name (a key of Execute params). */
  param: string;
  in: "path" | "query" | "header" | "cookie" | "body";
  /** Name on the wire: parameter name, or body property; "" when the param is the whole body. */
  name: string;
  required: boolean;
  /** OpenAPI serialization style (form, simple, label, matrix, deepObject, ...); absent for body. */
  style?: string;
  explode?: boolean;
  allowReserved?: boolean;
  /** Media type when the parameter uses `content` instead of `schema`. */
  contentType?: string;
  /**
   * The JSON Schema the value is checked against: its validation keywords (annotations dropped), with
   * `{"$ref": "#/schemas/<name>"}` pointers into the plan's `schemas` (format 2), or written out in full
   * with circular parts replaced by placeholders (format 1).
   */
  schema: JsonSchema;
}

/** One operation, as the command it became. */
export interface OperationPlan {
  operationId: string;
  method: string;
  /** Path template from the document, e.g. "/pets/{petId}". */
  path: string;
  /**
   * The operation's own server (its `servers`, else its path item's), variables substituted: an absolute
   * URL replaces the connection's base URL for this operation, a path (`/upload`) replaces the base URL's
   * path. Absent when the description gives the operation no servers of its own.
   */
  baseUrl?: string;
  params: ParamPlan[];
  /** The request body's media type and whether it is required; absent without a body. */
  body?: { mediaType: string; required: boolean };
  /** The operation's own `security` when it overrides the document's; [] means no auth. */
  security?: Array<Record<string, string[]>>;
  /** Media type of the success response the outputs came from, if any. */
  responseMediaType?: string;
}
