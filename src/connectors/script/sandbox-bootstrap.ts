import { HARDEN_INTRINSICS } from "./harden-intrinsics.ts";

/** The file name the connector's script is compiled under; error locations are read from its frames. */
export const SCRIPT_FILENAME = "connector.js";

/** The file name of {@link SANDBOX_BOOTSTRAP}, so its frames are never mistaken for the script's. */
export const BOOTSTRAP_FILENAME = "patchbay-sandbox.js";

/** What the in-isolate dispatcher reports back (copied out of the isolate as plain data). */
export type DispatchReply =
  | { kind: "ok"; json?: string }
  | { kind: "unknown" }
  | { kind: "threw"; message: string }
  | { kind: "invalid"; message: string }
  | { kind: "too-large"; chars: number };

/**
 * Runs first in every fresh context, as the body of a function (`context.evalClosure`):
 * `$0` the host HTTP function (an isolated-vm Reference, called with `applySyncPromise`),
 * `$1` the host log function (an isolated-vm Callback), `$2` `{config, params, variables}` as JSON,
 * `$3` the result cap in characters, `$4` the log message cap in characters.
 * It installs the frozen `patchbay` global, freezes the intrinsics and returns the dispatcher.
 *
 * Security rules this code keeps (why it looks the way it does):
 * - it is strict mode throughout, so a script's stack-trace or `.caller` tricks never see these frames;
 * - the host handles live only in this closure; what crosses the boundary are strings and plain copies,
 *   so nothing the script can touch leads back to a host object;
 * - every built-in it uses is captured before the script runs, and the intrinsics are frozen, so the
 *   script cannot swap what this code calls (which also keeps a reused context clean for a later pool);
 * - WebAssembly, SharedArrayBuffer and Atomics are removed: wasm memory is not counted against the
 *   isolate's memory limit, and Atomics.wait blocks without using CPU time.
 */
export const SANDBOX_BOOTSTRAP = String.raw`"use strict";
const hostHttp = $0;
const hostLog = $1;
const input = $2;
const resultChars = $3;
const logChars = $4;

const G = globalThis;
const { defineProperty, freeze, getOwnPropertyDescriptor, getPrototypeOf, hasOwn, isFrozen, keys } = Object;
const ownKeys = Reflect.ownKeys;
const call = Reflect.apply;
const parse = JSON.parse;
const stringify = JSON.stringify;
const text = String;
const ErrorClass = Error;
const TypeErrorClass = TypeError;
const indirectEval = G.eval;
const objectToString = Object.prototype.toString;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const SCRIPT_FRAME = /${SCRIPT_FILENAME.replace(".", "\\.")}:(\d+):(\d+)/;

for (const name of ["WebAssembly", "SharedArrayBuffer", "Atomics"]) delete G[name];

function cut(value, max) {
  return value.length > max ? value.slice(0, max) + "…" : value;
}

function preview(value) {
  if (typeof value === "string") return cut(stringify(value), 200);
  if (typeof value !== "object" || value === null) return text(value);
  try {
    const json = stringify(value);
    if (typeof json === "string") return cut(json, 200);
  } catch {}
  return call(objectToString, value, []);
}

function locate(stack) {
  const lines = stack.split("\n");
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i].startsWith("    at ")) continue;
    const found = SCRIPT_FRAME.exec(lines[i]);
    if (found !== null) return " (line " + found[1] + ", column " + found[2] + ")";
  }
  return "";
}

function describeThrown(thrown) {
  try {
    if (!(thrown instanceof ErrorClass)) return "script threw a non-Error value: " + preview(thrown);
    let name = "Error";
    let message = "";
    let stack;
    try { name = text(thrown.name); } catch {}
    try { message = text(thrown.message); } catch {}
    try { stack = thrown.stack; } catch {}
    const where = typeof stack === "string" ? locate(stack) : "";
    return cut(message === "" ? name : name + ": " + message, 2000) + where;
  } catch {
    return "script threw a value that cannot be described";
  }
}

function firstLine(thrown) {
  try {
    return text(thrown instanceof ErrorClass ? thrown.message : thrown).split("\n")[0];
  } catch {
    return "unknown reason";
  }
}

function describeForLog(message) {
  if (typeof message === "string") return message;
  if (typeof message === "object" && message !== null) {
    try {
      const json = stringify(message);
      if (typeof json === "string") return json;
    } catch {}
  }
  try { return text(message); } catch { return call(objectToString, message, []); }
}

function emit(level, message) {
  hostLog(level, cut(describeForLog(message), logChars));
}

function headerCopy(method, headers) {
  if (headers === undefined || headers === null) return undefined;
  if (typeof headers !== "object") {
    throw new TypeErrorClass("patchbay.http." + method + ": headers must be an object of strings");
  }
  const copy = {};
  for (const key of keys(headers)) {
    const value = headers[key];
    if (value !== undefined && value !== null) copy[key] = text(value);
  }
  return copy;
}

function request(method, url, body, headers) {
  const name = method.toLowerCase();
  if (typeof url !== "string") throw new TypeErrorClass("patchbay.http." + name + ": url must be a string");
  const outgoing = { method, url };
  const headerValues = headerCopy(name, headers);
  if (headerValues !== undefined) outgoing.headers = headerValues;
  if (body !== undefined) outgoing.body = body;
  let payload;
  try {
    payload = stringify(outgoing);
  } catch {
    throw new TypeErrorClass("patchbay.http." + name + ": body is not JSON-serializable");
  }
  const reply = parse(hostHttp.applySyncPromise(undefined, [payload]));
  if (reply.error !== undefined) {
    const failure = new ErrorClass(reply.error);
    if (reply.code !== undefined) failure.code = reply.code;
    throw failure;
  }
  return reply.response;
}

function deepFreeze(value) {
  if (typeof value === "object" && value !== null && !isFrozen(value)) {
    freeze(value);
    for (const key of ownKeys(value)) deepFreeze(value[key]);
  }
  return value;
}

const data = parse(input);
const http = freeze({
  get(url, headers) { return request("GET", url, undefined, headers); },
  post(url, body, headers) { return request("POST", url, body, headers); },
  put(url, body, headers) { return request("PUT", url, body, headers); },
  patch(url, body, headers) { return request("PATCH", url, body, headers); },
  delete(url, headers) { return request("DELETE", url, undefined, headers); },
});
const log = freeze({
  trace(message) { emit("trace", message); },
  debug(message) { emit("debug", message); },
  info(message) { emit("info", message); },
  warn(message) { emit("warn", message); },
  error(message) { emit("error", message); },
});
const patchbay = freeze({
  http,
  log,
  config: deepFreeze(data.config),
  params: deepFreeze(data.params),
  variables: deepFreeze(data.variables),
});
defineProperty(G, "patchbay", { value: patchbay, writable: false, enumerable: false, configurable: false });

function joined(args) {
  return args.map(describeForLog).join(" ");
}
G.console = freeze({
  log(...args) { emit("info", joined(args)); },
  info(...args) { emit("info", joined(args)); },
  debug(...args) { emit("debug", joined(args)); },
  warn(...args) { emit("warn", joined(args)); },
  error(...args) { emit("error", joined(args)); },
  trace(...args) { emit("trace", joined(args)); },
});

${HARDEN_INTRINSICS}
const intrinsicGlobals = hardenIntrinsics();

function lookup(name) {
  if (hasOwn(G, name)) {
    const value = G[name];
    return intrinsicGlobals.get(name) === value ? undefined : value;
  }
  // Inherited names (constructor, toString, …) are not commands; top-level let/const/class are found
  // by evaluating the bare identifier in global scope.
  if (name in G || !IDENTIFIER.test(name)) return undefined;
  try {
    return indirectEval(name);
  } catch {
    return undefined;
  }
}

function serialize(value) {
  let json;
  try {
    json = stringify(value);
  } catch (failure) {
    return { kind: "invalid", message: "result is not JSON-serializable: " + firstLine(failure) };
  }
  if (json === undefined) return { kind: "ok" };
  if (json.length > resultChars) return { kind: "too-large", chars: json.length };
  return { kind: "ok", json };
}

return async function dispatch(name) {
  let command;
  try {
    command = lookup(name);
  } catch (thrown) {
    return { kind: "threw", message: describeThrown(thrown) };
  }
  if (typeof command !== "function") return { kind: "unknown" };
  let value;
  try {
    value = await call(command, undefined, []);
  } catch (thrown) {
    return { kind: "threw", message: describeThrown(thrown) };
  }
  return serialize(value);
};
`;
