// Summarizes a V8 CPU profile (`node --cpu-prof`, a `.cpuprofile` file): the functions with the most
// self time, and the share of busy time spent under each function whose name or file matches a filter.
//
//   node bench/support/profile-summary.ts <file.cpuprofile> [--top 30] [--under name-or-path]...
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "30" }, under: { type: "string", multiple: true, default: [] } },
});
const file = positionals[0];
if (file === undefined)
  throw new Error("usage: profile-summary.ts <file.cpuprofile> [--top N] [--under text]...");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
for (const [i, id] of profile.samples.entries()) {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}

const label = (n: ProfileNode) => {
  const url = n.callFrame.url.replace(/^file:\/\//, "").replace(/^.*\/node_modules\//, "~/");
  const short = url.replace(process.cwd(), ".");
  return `${n.callFrame.functionName || "(anonymous)"} ${short}:${n.callFrame.lineNumber + 1}`;
};
const idle = new Set(["(idle)", "(program)"]);
let busy = 0;
const selfByLabel = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id);
  if (n === undefined) continue;
  if (idle.has(n.callFrame.functionName)) continue;
  busy += us;
  selfByLabel.set(label(n), (selfByLabel.get(label(n)) ?? 0) + us);
}
const pct = (us: number) => `${((us / busy) * 100).toFixed(1)} %`;
const lines = [`busy ${(busy / 1000).toFixed(0)} ms (without idle and program)`, "", "self time:"];
for (const [name, us] of [...selfByLabel].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  lines.push(`  ${pct(us).padStart(7)}  ${name}`);
}
// Self time by where the code lives: a package, a folder of src/, Node's internals, or V8's own entries.
const place = (n: ProfileNode) => {
  const url = n.callFrame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  const src = /\/src\/([^/]+)\//.exec(url)?.[1];
  if (src !== undefined) return `src/${src}`;
  if (url.startsWith("node:")) return "node:*";
  return url === "" ? `(${n.callFrame.functionName || "native"})` : url;
};
const selfByPlace = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id);
  if (n === undefined || idle.has(n.callFrame.functionName)) continue;
  selfByPlace.set(place(n), (selfByPlace.get(place(n)) ?? 0) + us);
}
lines.push("", "self time by place:");
for (const [name, us] of [...selfByPlace].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  lines.push(`  ${pct(us).padStart(7)}  ${name}`);
}
// Inclusive time under a frame: each sample counts once for a filter, however deep the match recurs.
if (values.under.length > 0) lines.push("", "total time under:");
for (const text of values.under) {
  let total = 0;
  for (const [id, us] of self) {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (n !== undefined && label(n).includes(text)) {
        total += us;
        break;
      }
    }
  }
  lines.push(`  ${pct(total).padStart(7)}  ${text}`);
}
process.stdout.write(`${lines.join("\n")}\n`);
