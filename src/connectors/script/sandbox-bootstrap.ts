import { HARDEN_INTRINSICS } from "./harden-intrinsics.ts";
import { LOG_FIELDS_COPY } from "./log-fields.ts";

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
 * The first line of every compiled script: the connector's source becomes the body of a factory that
 * takes `patchbay` and `console`, so each call of the factory is a fresh scope (the script's `var`s,
 * functions and top-level code are new per execution) in a context that is reused.
 */
export const SCRIPT_PREFIX = "(function (patchbay, console) {";
/** After the source: the factory returns a lookup of the command function by name (direct eval sees locals). */
export const SCRIPT_SUFFIX =
  "\n;return function (__patchbay_command__) { return eval(__patchbay_command__); };\n})";

/**
 * Runs once per pooled isolate, as the body of a function (`context.evalClosure`): `$0` the log message
 * cap in characters, `$1` the isolate's host HTTP function (a Reference), `$2` its host log function
 * (a Callback, taking the level, the message and the fields as bounded JSON), `$3` the log lines an
 * execution may write; both host functions take the execution's token first, and the host ignores a
 * token that is not the running execution's. It removes what must not exist, freezes the intrinsics and
 * the global object, and returns `[runOne, checkBody]`:
 * - `checkBody(source)` parses the source alone as a function body (the Function constructor parses
 *   parameters and body separately), so a source cannot close the factory's wrapper and put code at the
 *   context's top level;
 * - `runOne(factory, token, input, name, resultChars)` builds this execution's frozen
 *   `patchbay` and `console`, calls the factory (a fresh scope), runs the command and serializes the
 *   result.
 *
 * Security rules this code keeps (why it looks the way it does):
 * - it is strict mode throughout, so a script's stack-trace or `.caller` tricks never see these frames;
 * - the host handles live only in this closure, never in anything a script can reach; what crosses the
 *   boundary are strings and plain copies, so nothing the script can touch leads back to a host object;
 *   the execution's token sits in runOne's closure, so a script (or a callback it left behind) can only
 *   speak for its own execution, and the host drops calls once that execution has ended;
 * - every built-in it uses is captured before any script runs, and the intrinsics and the global object
 *   are frozen, so no execution can change what this code calls or leave state for the next one;
 * - WebAssembly, SharedArrayBuffer and Atomics are removed: wasm memory is not counted against the
 *   isolate's memory limit, and Atomics.wait blocks without using CPU time;
 * - nothing may schedule work that runs after its execution has ended, on another execution's time:
 *   FinalizationRegistry (its callbacks run whenever V8 gets to them, in whichever execution holds the
 *   isolate then), WeakRef (with it a script watches the collector, which other executions drive),
 *   Atomics.waitAsync and WebAssembly's async compilation (removed above) are gone, and there are no
 *   timers; the microtasks an execution leaves queued run before its result is delivered, on its own
 *   CPU budget. V8's own `console` (which keeps counters and timers in the context) goes too: a script's
 *   `console` is the parameter of its factory.
 */
export const CONTEXT_BOOTSTRAP = String.raw`"use strict";
const logChars = $0;
const hostHttp = $1;
const hostLog = $2;
const logLines = $3;
const FunctionClass = Function;

const G = globalThis;
const { defineProperty, freeze, getOwnPropertyDescriptor, getPrototypeOf, hasOwn, isFrozen, keys } = Object;
const ownKeys = Reflect.ownKeys;
const call = Reflect.apply;
const parse = JSON.parse;
const stringify = JSON.stringify;
const text = String;
const ErrorClass = Error;
const TypeErrorClass = TypeError;
const objectToString = Object.prototype.toString;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const SCRIPT_FRAME = /${SCRIPT_FILENAME.replace(".", "\\.")}:(\d+):(\d+)/;
const PREFIX_CHARS = ${SCRIPT_PREFIX.length};

const isArray = Array.isArray;
for (const name of ["WebAssembly", "SharedArrayBuffer", "Atomics", "FinalizationRegistry", "WeakRef", "console"]) {
  delete G[name];
}

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
    // On line 1 the wrapper's prefix comes first (SCRIPT_PREFIX).
    if (found !== null) {
      const column = found[1] === "1" ? found[2] - PREFIX_CHARS : found[2];
      return " (line " + found[1] + ", column " + column + ")";
    }
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

${LOG_FIELDS_COPY}
function deepFreeze(value) {
  if (typeof value === "object" && value !== null && !isFrozen(value)) {
    freeze(value);
    for (const key of ownKeys(value)) deepFreeze(value[key]);
  }
  return value;
}

${HARDEN_INTRINSICS}
const intrinsicGlobals = hardenIntrinsics();
const intrinsicValues = new Set(intrinsicGlobals.values());
const resetRegExpStatics = /(?:)/;
freeze(G);

function serialize(value, resultChars) {
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

function checkBody(source) {
  new FunctionClass("patchbay", "console", source);
  return true;
}

async function runOne(factory, token, input, name, resultChars) {
  let ended = false;
  let lines = 0;

  function emit(level, message, fields) {
    // Counted here as well as in the host: past the limit (and the one call that tells the host it was
    // reached) a line costs no call into the host. Time in the host is not the isolate's CPU time, and a
    // logging loop that kept calling it spent a core for its whole wall time.
    if (lines > logLines) return;
    lines++;
    if (lines > logLines) {
      hostLog(token, level, "", undefined);
      return;
    }
    hostLog(token, level, cut(describeForLog(message), logChars), fields === undefined ? undefined : logFieldsJson(fields));
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
    // Once the host said the execution has ended, no call goes out again: the isolate is about to be
    // disposed, which must not happen while its thread waits on a host call.
    if (ended) throw new ErrorClass("the execution has ended");
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
    const reply = parse(hostHttp.applySyncPromise(undefined, [token, payload]));
    if (reply.ended === true) ended = true;
    if (reply.error !== undefined) {
      const failure = new ErrorClass(reply.error);
      if (reply.code !== undefined) failure.code = reply.code;
      throw failure;
    }
    return reply.response;
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
    trace(message, fields) { emit("trace", message, fields); },
    debug(message, fields) { emit("debug", message, fields); },
    info(message, fields) { emit("info", message, fields); },
    warn(message, fields) { emit("warn", message, fields); },
    error(message, fields) { emit("error", message, fields); },
  });
  const patchbay = freeze({
    http,
    log,
    config: deepFreeze(data.config),
    params: deepFreeze(data.params),
    variables: deepFreeze(data.variables),
  });
  function joined(args) {
    return args.map(describeForLog).join(" ");
  }
  const console = freeze({
    log(...args) { emit("info", joined(args)); },
    info(...args) { emit("info", joined(args)); },
    debug(...args) { emit("debug", joined(args)); },
    warn(...args) { emit("warn", joined(args)); },
    error(...args) { emit("error", joined(args)); },
    trace(...args) { emit("trace", joined(args)); },
  });

  try {
    if (!isFrozen(factory)) {
      // Nothing may be kept on the factory (arguments.callee) from one execution to the next.
      freeze(factory.prototype);
      freeze(factory);
    }
    let lookup;
    try {
      lookup = call(factory, undefined, [patchbay, console]);
    } catch (thrown) {
      return { kind: "threw", message: describeThrown(thrown) };
    }
    let command;
    if (IDENTIFIER.test(name) && name !== "__patchbay_command__") {
      try {
        command = call(lookup, undefined, [name]);
      } catch {
        command = undefined;
      }
    }
    // What the global object answers for the name (Object, eval, toString, …) is not a command: the
    // global is frozen, so only the script's own declarations can be.
    if (typeof command !== "function" || intrinsicValues.has(command) || (name in G && G[name] === command)) {
      return { kind: "unknown" };
    }
    let value;
    resetRegExpStatics.exec("");
    try {
      value = await call(command, undefined, []);
    } catch (thrown) {
      return { kind: "threw", message: describeThrown(thrown) };
    }
    return serialize(value, resultChars);
  } finally {
    // RegExp.lastMatch and friends would otherwise show the next execution this one's last match.
    resetRegExpStatics.exec("");
  }
}

return [runOne, checkBody];
`;
