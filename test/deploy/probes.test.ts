import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import { manifestOf, readManifests, readYamlDocuments, repoPath } from "./deploy-files.ts";

const run = promisify(execFile);

/** Every HTTP path a probe or health check in deploy/ asks for, and who asks. */
function probedPaths(): { who: string; path: string }[] {
  const container = manifestOf(readManifests(), "Deployment").spec.template.spec.containers[0];
  const envoy = readYamlDocuments("deploy/envoy.yaml")[0] as {
    static_resources: { clusters: { health_checks: { http_health_check: { path: string } }[] }[] };
  };
  return [
    ...["startupProbe", "readinessProbe", "livenessProbe"].map((probe) => ({
      who: `deployment ${probe}`,
      path: container[probe].httpGet.path as string,
    })),
    ...envoy.static_resources.clusters.flatMap((cluster) =>
      cluster.health_checks.map((check) => ({
        who: "envoy health check",
        path: check.http_health_check.path,
      })),
    ),
  ];
}

describe("the paths deploy/ probes, against a running server on postgresql", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql", { PATCHBAY_DRAIN_DELAY_MS: "0" });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("answers 200 on every probed path while ready", async () => {
    const paths = probedPaths();
    expect(new Set(paths.map((p) => p.path))).toEqual(new Set(["/healthz", "/readyz"]));
    for (const { who, path } of paths) expect((await fetch(`${t.url}${path}`)).status, who).toBe(200);
  });

  it("passes the image's HEALTHCHECK script, which fails once nothing answers", async () => {
    const check = (port: number) =>
      run(process.execPath, [repoPath("deploy/healthcheck.js")], {
        env: { PATH: process.env.PATH, PATCHBAY_PORT: String(port) },
      }).then(
        () => 0,
        (error: { code: number }) => error.code,
      );
    expect(await check(t.port)).toBe(0);
    const stopped = await startTestServer("postgresql", { PATCHBAY_DRAIN_DELAY_MS: "0" });
    await stopped.stop();
    expect(await check(stopped.port)).toBe(1);
  }, 120_000);
});
