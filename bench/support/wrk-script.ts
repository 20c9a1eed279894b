import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** One request, repeated by wrk, and what each answer must contain to count as a success. */
export interface WrkRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /**
   * Text every successful answer's body contains (the echoed payload, say). An answer without it, or
   * with a status outside 2xx, is counted as an unexpected answer (`wrk` then reports it as an error):
   * a JSON-RPC error or a failed tool call is still an HTTP 200.
   */
  readonly expect: string;
  /** Text no successful answer contains (`"isError"`, say). */
  readonly refuse?: string;
}

/**
 * Writes a wrk Lua script for a request into `dir` and returns its path. The script checks every answer
 * and prints `unexpected answers: N` when the run ends, which `wrk()` counts as errors. Use the same
 * kind of script for every target compared: checking answers costs wrk (one thread, sharing the cores)
 * the same on each.
 */
export function wrkScript(dir: string, name: string, request: WrkRequest): string {
  const lua = (text: string) => {
    // A long bracket needs no escaping as long as its closing form does not occur in the text.
    let level = "";
    while (text.includes(`]${level}]`)) level += "=";
    return `[${level}[${text}]${level}]`;
  };
  const headers = Object.entries(request.headers)
    .map(([name, value]) => `wrk.headers[ ${lua(name)} ] = ${lua(value)}`)
    .join("\n");
  const refuse =
    request.refuse === undefined ? "" : ` or string.find(body, ${lua(request.refuse)}, 1, true) ~= nil`;
  const script = `wrk.method = ${lua(request.method)}
wrk.body = ${lua(request.body)}
${headers}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) unexpected = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 or string.find(body, ${lua(request.expect)}, 1, true) == nil${refuse} then
    unexpected = unexpected + 1
  end
end
function done(summary, latency, requests)
  local n = 0
  for _, thread in ipairs(threads) do n = n + thread:get("unexpected") end
  io.write("unexpected answers: " .. n .. "\\n")
end
`;
  const path = join(dir, `${name}.lua`);
  writeFileSync(path, script);
  return path;
}
