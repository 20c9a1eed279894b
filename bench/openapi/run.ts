// bench/openapi: time and peak memory of importing large OpenAPI descriptions with parseOpenApi.
// Each case runs in a fresh child process (so peak RSS belongs to one import) with --expose-gc:
// the baseline RSS is taken after loading the modules, then the import runs while RSS is sampled
// every 5 ms. Usage: node bench/openapi/run.ts [--rounds 3] [--node-option=--max-semi-space-size=16]
// (--node-option, repeatable, is passed to each child: to see how V8 heap settings move peak RSS).
// With --path worker the import runs in the import worker, a process of its own since issue 16: the
// RSS measured is then the caller's alone. What an import costs the whole service: service.ts.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";

const require = createRequire(import.meta.url);
const pkg = (specifier: string): string => require.resolve(specifier);

/** The descriptions measured: label → how to build the document text. */
const CASES: Record<string, () => string> = {
  "petstore 3.0 (20 ops)": () => readFileSync(pkg("@readme/oas-examples/3.0/json/petstore.json"), "utf8"),
  "rebilly YAML (355 ops)": () =>
    readFileSync(pkg("@redocly/openapi-core/src/benchmark/benches/rebilly.yaml"), "utf8"),
  "github.com (608 ops)": () => readFileSync(pkg("@octokit/routes/api.github.com.json"), "utf8"),
  // Two published descriptions in one document, to reach the 1,000-operation target size: GitHub's
  // paths plus GitHub Enterprise Server 2.21's under /ghes, operationIds prefixed to stay unique.
  "github.com + GHES 2.21 (1,154 ops)": () => {
    const github = JSON.parse(readFileSync(pkg("@octokit/routes/api.github.com.json"), "utf8"));
    const ghes = JSON.parse(readFileSync(pkg("@octokit/routes/ghe-2.21.json"), "utf8"));
    for (const [path, item] of Object.entries(
      ghes.paths as Record<string, Record<string, { operationId?: string }>>,
    )) {
      for (const op of Object.values(item))
        if (typeof op === "object" && op.operationId) op.operationId = `ghes/${op.operationId}`;
      github.paths[`/ghes${path}`] = item;
    }
    return JSON.stringify(github);
  },
  // The two descriptions of issue 16 (test/fixtures/openapi/, from the APIs.guru collection).
  "googleapis.com/walletobjects (97 ops)": () => published("googleapis.com-walletobjects.json.gz"),
  "docusign.net (402 ops)": () => published("docusign.net.json.gz"),
};

function published(file: string): string {
  return gunzipSync(readFileSync(new URL(`../../test/fixtures/openapi/${file}`, import.meta.url))).toString();
}

async function child(file: string, path: string): Promise<void> {
  // "worker" is the service's path: only the off-thread module is loaded here, the parser in the worker.
  const importer =
    path === "worker"
      ? (await import("../../src/connectors/openapi/parse-openapi-off-thread.ts")).parseOpenApiOffThread
      : (await import("../../src/connectors/openapi/parse-openapi.ts")).parseOpenApi;
  // The document is built by the parent (the combined case parses two documents to make one) and read
  // here as text, as a server receives it: the child's memory is the import's, not the bench's.
  const text = readFileSync(file, "utf8");
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const start = performance.now();
  const draft = await importer(text);
  const ms = performance.now() - start;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stdout.write(
    JSON.stringify({
      ms,
      operations: draft.operations.length,
      bytes: Buffer.byteLength(text),
      baselineMb: baseline / 2 ** 20,
      peakMb: peak / 2 ** 20,
    }),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "3" },
      child: { type: "string" },
      path: { type: "string", default: "inline" },
      "node-option": { type: "string", multiple: true, default: [] },
    },
  });
  if (values.child !== undefined) return child(values.child, values.path);
  const rounds = Number(values.rounds);
  const self = fileURLToPath(import.meta.url);
  process.stdout.write(
    "| document | size | operations | time ms (median) | peak RSS MiB | RSS growth MiB |\n",
  );
  process.stdout.write("|---|---|---|---|---|---|\n");
  const dir = mkdtempSync(join(tmpdir(), "bench-openapi-"));
  for (const [label, build] of Object.entries(CASES)) {
    const file = join(dir, `${Object.keys(CASES).indexOf(label)}.txt`);
    writeFileSync(file, build());
    const runs = Array.from({ length: rounds }, () =>
      JSON.parse(
        execFileSync(
          process.execPath,
          ["--expose-gc", ...(values["node-option"] ?? []), self, "--child", file, "--path", values.path],
          { encoding: "utf8" },
        ),
      ),
    ) as Array<{ ms: number; operations: number; bytes: number; baselineMb: number; peakMb: number }>;
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? 0;
    const peak = Math.max(...runs.map((r) => r.peakMb));
    const growth = Math.max(...runs.map((r) => r.peakMb - r.baselineMb));
    const first = runs[0];
    process.stdout.write(
      `| ${label} | ${((first?.bytes ?? 0) / 2 ** 20).toFixed(1)} MiB | ${first?.operations} | ${ms.toFixed(0)} | ${peak.toFixed(0)} | ${growth.toFixed(0)} |\n`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

await main();
