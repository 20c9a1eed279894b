import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/metrics/index.ts";

const PROMTOOL = "/usr/bin/promtool";

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}

const dashboard = JSON.parse(
  readFileSync(new URL("../../deploy/grafana/patchbay-dashboard.json", import.meta.url), "utf8"),
) as Dashboard;
const expressions = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ title: p.title, expr: t.expr })));

// The Grafana dashboard in deploy/ is built from the metrics Patchbay serves: every query names only
// metrics the registry has (a renamed metric breaks this test, not an operator's dashboard), and each is
// valid PromQL by Prometheus' own parser.
describe("deploy/grafana/patchbay-dashboard.json", () => {
  it("queries only metrics the registry serves", async () => {
    const served = new Set<string>();
    for (const m of await createMetrics().registry.getMetricsAsJSON()) {
      served.add(m.name);
      for (const suffix of ["_bucket", "_sum", "_count"]) served.add(`${m.name}${suffix}`);
    }
    expect(expressions.length).toBeGreaterThan(10);
    const unknown = expressions.flatMap(({ title, expr }) =>
      [...expr.matchAll(/\b((?:patchbay|process|nodejs)_[a-z0-9_]+)\b/g)]
        .map((m) => m[1] as string)
        .filter((name) => !served.has(name))
        .map((name) => `${title}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it("groups and filters only by labels its metrics have", () => {
    const registry = createMetrics().registry;
    const labelsOf = (name: string): readonly string[] => {
      const metric = registry.getSingleMetric(name.replace(/_(?:bucket|sum|count)$/, ""));
      return (metric as unknown as { labelNames?: readonly string[] } | undefined)?.labelNames ?? [];
    };
    // Prometheus adds `instance` and `job` to every series it scrapes; histograms' buckets have `le`.
    const uses = expressions.flatMap(({ title, expr }) => {
      const metrics = [...expr.matchAll(/\b((?:patchbay|process|nodejs)_[a-z0-9_]+)\b/g)].map(
        (m) => m[1] as string,
      );
      const known = new Set(["instance", "job", "le", ...metrics.flatMap(labelsOf)]);
      const grouped = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) =>
        (m[1] as string).split(",").map((label) => label.trim()),
      );
      const selected = [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) =>
        [...(m[1] as string).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map(
          (l) => l[1] as string,
        ),
      );
      return [...grouped, ...selected].map((label) => ({ label, known: known.has(label), title }));
    });
    expect(uses.length).toBeGreaterThan(30);
    expect(uses.filter((use) => !use.known).map((use) => `${use.title}: ${use.label}`)).toEqual([]);
  });

  it.skipIf(!existsSync(PROMTOOL))(`holds valid PromQL (${PROMTOOL} check rules)`, () => {
    const dir = mkdtempSync(join(tmpdir(), "patchbay-dashboard-"));
    try {
      // Grafana's $__rate_interval is not PromQL; promtool parses the query with a fixed window instead.
      const rules = expressions
        .map(
          ({ expr }, i) =>
            `      - record: patchbay:dashboard_query_${i}\n        expr: ${JSON.stringify(expr.replaceAll("$__rate_interval", "5m"))}`,
        )
        .join("\n");
      const file = join(dir, "rules.yml");
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules}\n`);
      const out = execFileSync(PROMTOOL, ["check", "rules", file], { encoding: "utf8" });
      expect(out).toContain(`SUCCESS: ${expressions.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
