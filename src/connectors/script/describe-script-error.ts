import { SCRIPT_FILENAME, SCRIPT_PREFIX } from "./sandbox-bootstrap.ts";

/** isolated-vm's wording when a script throws something other than an Error out of the isolate. */
const NON_ERROR_THROWN = "An object was thrown from supplied code within isolated-vm";
/** Where isolated-vm's part of a crossing error's stack ends and the host's begins. */
const BOUNDARY = "<isolated-vm boundary>";

const escaped = SCRIPT_FILENAME.replaceAll(".", "\\.");
/** V8 puts a compile error's position at the end of the message: `Unexpected token ';' [connector.js:2:7]`. */
const COMPILE_POSITION = new RegExp(`\\s*\\[${escaped}:(\\d+):(\\d+)\\]$`);
const FRAME = new RegExp(`${escaped}:(\\d+):(\\d+)`);

/**
 * Describes an error that crossed out of the isolate while the script compiled or ran its top level:
 * `Name: message (line L, column C)` with the script's own position and nothing of the host's stack.
 */
export function describeScriptError(error: unknown): string {
  if (!(error instanceof Error)) return `script threw a non-Error value: ${preview(error)}`;
  if (error.message.startsWith(NON_ERROR_THROWN)) return "script threw a non-Error value";
  const compiled = COMPILE_POSITION.exec(error.message);
  if (compiled !== null) {
    const message = error.message.slice(0, compiled.index);
    return `${error.name}: ${message}${at(compiled[1], compiled[2])}`;
  }
  const header = error.message === "" ? error.name : `${error.name}: ${error.message}`;
  return `${header}${scriptLocation(error.stack)}`;
}

/** ` (line L, column C)` for the first frame of the script in an isolate stack, or "". */
export function scriptLocation(stack: string | undefined): string {
  if (stack === undefined) return "";
  const isolatePart = stack.split(BOUNDARY)[0] ?? "";
  for (const line of isolatePart.split("\n").slice(1)) {
    if (!line.startsWith("    at ")) continue;
    const found = FRAME.exec(line);
    if (found !== null) return at(found[1], found[2]);
  }
  return "";
}

/** On line 1 the wrapper's prefix comes first (SCRIPT_PREFIX shares the source's first line). */
function at(line: string | undefined, column: string | undefined): string {
  const shifted = line === "1" ? Number(column) - SCRIPT_PREFIX.length : Number(column);
  return ` (line ${line}, column ${shifted})`;
}

function preview(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value).slice(0, 200);
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 200);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
