import { createHmac } from "node:crypto";
import { createWriteStream, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Writes `count` distinct signed GitHub `issues` deliveries to a file, one a line (delivery id, signature
 * and body, tab-separated), for the script of {@link wrkDeliveriesScript}. Every delivery has its own
 * X-GitHub-Delivery and its own body (the id is in it: one body under two ids would be a replay), so the
 * receiver verifies, stores and queues each one.
 */
export async function writeDeliveries(
  dir: string,
  name: string,
  idPrefix: string,
  count: number,
  secret: string,
): Promise<string> {
  const path = join(dir, `${name}.tsv`);
  const out = createWriteStream(path);
  const filler = "x".repeat(400);
  for (let i = 0; i < count; i++) {
    const id = `${idPrefix}${i}`;
    const body = JSON.stringify({
      action: "opened",
      issue: { number: i, title: `Issue ${id}`, body: filler },
      repository: { id: 1, full_name: "acme/widgets" },
      sender: { login: "octocat" },
    });
    const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    if (!out.write(`${id}\t${signature}\t${body}\n`))
      await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return path;
}

/**
 * Writes a wrk Lua script that sends the deliveries of `deliveriesFile` (from {@link writeDeliveries}) to
 * `path`, each once, in order (load them in `init`, before wrk's clock starts). An answer other than
 * `status` counts as unexpected, and so does every request after the file ran out (it repeats the last
 * delivery: a duplicate); `unexpected answers: N` is printed at the end, as `wrkScript` does, so `wrk()`
 * counts them as errors. One wrk thread per script (`wrk -t 1`).
 */
export function wrkDeliveriesScript(
  dir: string,
  name: string,
  options: { path: string; deliveriesFile: string; status: number },
): string {
  const script = `local deliveries = {}
local next_delivery = 1
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  unexpected = 0
  sent = 0
  for line in io.lines("${options.deliveriesFile}") do table.insert(deliveries, line) end
end
function request()
  local line = deliveries[next_delivery]
  if line == nil then
    line = deliveries[#deliveries]
    unexpected = unexpected + 1
  else
    next_delivery = next_delivery + 1
  end
  sent = sent + 1
  local id, signature, body = string.match(line, "^([^\\t]*)\\t([^\\t]*)\\t(.*)$")
  return wrk.format("POST", "${options.path}", {
    ["Content-Type"] = "application/json",
    ["X-GitHub-Event"] = "issues",
    ["X-GitHub-Delivery"] = id,
    ["X-Hub-Signature-256"] = signature,
  }, body)
end
function response(status, headers, body)
  if status ~= ${options.status} then unexpected = unexpected + 1 end
end
function done(summary, latency, requests)
  local n = 0
  local s = 0
  for _, thread in ipairs(threads) do
    n = n + thread:get("unexpected")
    s = s + thread:get("sent")
  end
  io.write("unexpected answers: " .. n .. "\\n")
  io.write("deliveries sent: " .. s .. "\\n")
end
`;
  const file = join(dir, `${name}.lua`);
  writeFileSync(file, script);
  return file;
}
