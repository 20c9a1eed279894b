import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/metrics/index.ts";

const page = readFileSync(new URL("../../docs/observability.md", import.meta.url), "utf8");
/** Rows of the Patchbay metrics table: name, type, labels. */
const documented = [...page.matchAll(/^\| `(patchbay_[a-z_]+)` \| (\w+) \|([^|]*)\|/gm)].map((m) => ({
  name: m[1] as string,
  type: m[2] as string,
  labels: [...(m[3] as string).matchAll(/`([a-z_]+)`/g)].map((l) => l[1] as string).sort(),
}));

describe("docs/observability.md and the metrics registry", () => {
  it("document every Patchbay metric with its type and labels, and nothing else", async () => {
    const metrics = createMetrics();
    const registered = (await metrics.registry.getMetricsAsJSON())
      .filter((m) => m.name.startsWith("patchbay_"))
      .map((m) => {
        const metric = metrics.registry.getSingleMetric(m.name) as unknown as { labelNames: string[] };
        return { name: m.name, type: String(m.type), labels: [...metric.labelNames].sort() };
      });
    expect(documented.length).toBeGreaterThan(0);
    expect([...documented].sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      [...registered].sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it("leave only the runtime's process_* and nodejs_* metrics unprefixed", async () => {
    const names = (await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names.filter((n) => !/^(patchbay|process|nodejs)_/.test(n))).toEqual([]);
  });
});
