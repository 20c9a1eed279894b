import type { DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import type { JsonObject } from "./json.ts";
import { scalarSchema } from "./scalar-schema.ts";

/** Raw bytes passed through unchanged (google.api.HttpBody as a request or response body). */
export const RAW_BODY_SCHEMA: JsonObject = {
  type: "string",
  format: "binary",
  contentMediaType: "application/octet-stream",
};

// Well-known types with their own proto3 JSON form are inlined, as grpc-gateway's openapiv3 does, so no
// component pretends they are objects with `seconds` and `nanos`.
const WELL_KNOWN: Readonly<Record<string, () => JsonObject>> = {
  "google.protobuf.Timestamp": () => ({ type: "string", format: "date-time" }),
  "google.protobuf.Duration": () => ({
    type: "string",
    pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$",
    description: 'Seconds with an "s" suffix, e.g. "1.5s".',
  }),
  // `additionalProperties: {}` says "any values"; a bare object type reads as "no properties" to generators.
  "google.protobuf.Struct": () => ({ type: "object", additionalProperties: {} }),
  "google.protobuf.Value": () => ({}),
  "google.protobuf.ListValue": () => ({ type: "array", items: {} }),
  "google.protobuf.Empty": () => ({ type: "object" }),
  "google.protobuf.FieldMask": () => ({
    type: "string",
    description: "Comma-separated lowerCamel field paths.",
  }),
  "google.protobuf.Any": () => ({
    type: "object",
    properties: { "@type": { type: "string" } },
    required: ["@type"],
    additionalProperties: {},
  }),
  "google.protobuf.DoubleValue": () => scalarSchema(ScalarType.DOUBLE),
  "google.protobuf.FloatValue": () => scalarSchema(ScalarType.FLOAT),
  "google.protobuf.Int64Value": () => scalarSchema(ScalarType.INT64),
  "google.protobuf.UInt64Value": () => scalarSchema(ScalarType.UINT64),
  "google.protobuf.Int32Value": () => scalarSchema(ScalarType.INT32),
  "google.protobuf.UInt32Value": () => scalarSchema(ScalarType.UINT32),
  "google.protobuf.BoolValue": () => scalarSchema(ScalarType.BOOL),
  "google.protobuf.StringValue": () => scalarSchema(ScalarType.STRING),
  "google.protobuf.BytesValue": () => scalarSchema(ScalarType.BYTES),
};

/** The inline schema of a well-known type with a special JSON form, or undefined for other messages. */
export function wellKnownSchema(message: DescMessage): JsonObject | undefined {
  return WELL_KNOWN[message.typeName]?.();
}

/** Well-known types that take any JSON; a query string cannot carry them, so they are never query params. */
export const JSON_VALUED_TYPES: ReadonlySet<string> = new Set([
  "google.protobuf.Struct",
  "google.protobuf.Value",
  "google.protobuf.ListValue",
  "google.protobuf.Any",
]);

/** True for google.api.HttpBody, whose bytes travel raw instead of as JSON. */
export function isHttpBody(message: DescMessage): boolean {
  return message.typeName === "google.api.HttpBody";
}
