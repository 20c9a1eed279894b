/** JSON data: everything an OpenAPI document is made of. */
export type Json = string | number | boolean | null | Json[] | JsonObject;

/** A JSON object; schemas, operations and the document itself are built as these. */
export type JsonObject = { [key: string]: Json };
