import type { DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";

// protobuf-es's JSON reader names the field it refused by its qualified name, then quotes the value.
const JSON_FIELD = /^cannot decode (field|oneof) ([\w.]+) from JSON: /;
// The decoder's own words after "parse binary: " ("premature EOF", "invalid wire type 7 at offset 3")
// name no request content; anything else is left out of the answer.
const PLAIN_REASON = /^[\w .,:()-]{1,80}$/;

const join = (path: string, step: string) => (path === "" ? step : `${path}.${step}`);

/**
 * Where the field `qualified` (`patchbay.v1.ExecuteMetadata.step_id`) sits in `schema`, when exactly one
 * path reaches it (`metadata.step_id`); otherwise its qualified name. A decoder error names the field,
 * not the path to it. (Text inside Google's JSON types passes the decoder and is named by the input rule.)
 */
function fieldName(schema: DescMessage, qualified: string): string {
  const dot = qualified.lastIndexOf(".");
  const parent = qualified.slice(0, dot);
  const name = qualified.slice(dot + 1);
  const found: string[] = [];
  const walk = (message: DescMessage, path: string, seen: ReadonlySet<DescMessage>) => {
    if (message.typeName === parent) found.push(join(path, name));
    for (const field of message.fields) {
      const child = field.message;
      if (child === undefined || found.length > 1 || seen.has(child)) continue;
      if (child.typeName.startsWith("google.protobuf.")) continue;
      walk(
        child,
        join(path, field.fieldKind === "message" ? field.name : `${field.name}[?]`),
        new Set([...seen, child]),
      );
    }
  };
  walk(schema, "", new Set([schema]));
  return found.length === 1 ? (found[0] as string) : qualified;
}

/** The refusal of binary with a string that is not UTF-8, before the edge finds which field it is. */
export const UNLOCATED_UTF8 = "a string field of the request is not valid UTF-8";

function invalid(message: string, cause: unknown): ConnectError {
  return new ConnectError(message, Code.InvalidArgument, undefined, undefined, cause);
}

/**
 * The answer to a request that could not be read or decoded. Connect's own error for it may be
 * `INTERNAL` (malformed protobuf binary) or quote the request (a JSON decoder message holds the offending
 * value), so this keeps its code only where it is right and words the message from a fixed vocabulary
 * that names the field or the format, never a value. Sizes, framing and cancellations pass unchanged.
 */
export function decodeRefusal(error: unknown, schema: DescMessage): ConnectError {
  if (!(error instanceof ConnectError)) return invalid("the request could not be read", error);
  const raw = error.rawMessage;
  const refused = JSON_FIELD.exec(raw);
  if (refused !== null) {
    const name = fieldName(schema, refused[2] as string);
    if (refused[1] === "oneof") return invalid(`${name} is set more than once`, error);
    if (raw.endsWith("invalid UTF8"))
      return invalid(`${name} must be valid Unicode text (it holds a lone surrogate)`, error);
    return invalid(`${name} does not hold a valid value of its type`, error);
  }
  const cause = error.cause;
  if (cause instanceof TypeError && /utf-?8/i.test(cause.message))
    return invalid("the request body is not valid UTF-8", error);
  if (raw.startsWith("parse binary: ")) {
    if (/utf-?8/i.test(raw)) return invalid(UNLOCATED_UTF8, error);
    const why = raw.slice("parse binary: ".length);
    const detail = PLAIN_REASON.test(why) ? ` (${why})` : "";
    return invalid(`the request is not a valid ${schema.typeName} in protobuf binary${detail}`, error);
  }
  if (raw.startsWith("cannot decode message"))
    return invalid(`the request body is not a valid ${schema.typeName} in JSON`, error);
  switch (error.code) {
    case Code.InvalidArgument:
      // Connect's framing errors ("protocol error: incomplete envelope") quote sizes only.
      return raw.startsWith("protocol error:") ? error : invalid("the request could not be decoded", error);
    case Code.Unimplemented:
      return raw.includes("compression")
        ? new ConnectError("the request's compression is not supported (use gzip or br)", Code.Unimplemented)
        : error;
    case Code.Internal:
    case Code.Unknown:
      return invalid("the request could not be decoded", error);
    default:
      return error;
  }
}
