import { spawn } from "node:child_process";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JsonObject } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { MAX_DOCUMENT_BYTES } from "../../src/connectors/openapi/index.ts";
import { fixture } from "../connectors/openapi/fixtures.ts";
import { type FakeApiServer, startFakeApiServer } from "../support/openapi-fake-server.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Runs `patchbay <args>` (src/cli/main.ts) with these settings; resolves with its exit code and output. */
function cli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["src/cli/main.ts", ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

// Two published descriptions of over 500 operations (GitHub's REST API, 608, and GitHub Enterprise
// Server 2.21, 546, from @octokit/routes), each imported whole with `patchbay import-openapi` into the
// server's PostgreSQL database (the CLI has no request size limit; the documents are 5–6 MiB), then
// generated commands run against a fake GitHub on loopback that checks each request against the
// description. The embedded database belongs to the one server process, so this runs on PostgreSQL.
describe("patchbay import-openapi, then Execute, on large descriptions (PostgreSQL)", () => {
  let t: TestServer;
  let dir: string;
  const fakes: FakeApiServer[] = [];
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });
  const catalog = () => createClient(CatalogService, createGrpcTransport({ baseUrl: t.url }));
  const execute = (slug: string, command: string, params: JsonObject) =>
    createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url })).execute(
      { target: { case: "connectorSlug", value: slug }, command, params },
      { headers: headers() },
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "patchbay-oas-"));
    t = await startTestServer("postgresql");
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    for (const fake of fakes) await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cases = [
    {
      slug: "github-rest",
      file: "@octokit/routes/api.github.com.json",
      operations: 608,
      calls: [
        [
          "issuesCreate",
          { owner: "octo", repo: "hello", title: "Crash on start", labels: ["bug", "p1"], milestone: 3 },
          "POST",
          "/repos/octo/hello/issues",
        ],
        [
          "issuesListForRepo",
          { owner: "octo", repo: "hello", state: "open", labels: "bug,ui", per_page: 5 },
          "GET",
          "/repos/octo/hello/issues",
        ],
        ["reposGet", { owner: "octo", repo: "hello" }, "GET", "/repos/octo/hello"],
        [
          "reposGetContent",
          { owner: "octo", repo: "hello", path: "docs/read me.md", ref: "main" },
          "GET",
          "/repos/octo/hello/contents/docs%2Fread%20me.md",
        ],
        ["gistsCreate", { files: { "a.txt": { content: "hi" } }, public: false }, "POST", "/gists"],
      ],
    },
    {
      slug: "github-enterprise",
      file: "@octokit/routes/ghe-2.21.json",
      operations: 546,
      calls: [
        [
          "issuesGet",
          { owner: "octo", repo: "hello", issue_number: 12 },
          "GET",
          "/repos/octo/hello/issues/12",
        ],
        [
          "enterpriseAdminCreateUser",
          { login: "new-user", email: "new@example.com" },
          "POST",
          "/admin/users",
        ],
        [
          "pullsList",
          { owner: "octo", repo: "hello", state: "closed", sort: "updated", direction: "asc" },
          "GET",
          "/repos/octo/hello/pulls",
        ],
      ],
    },
  ] as const;

  it.each(cases)(
    "imports $file ($operations operations) with progress, and its commands send conforming requests",
    async ({ slug, file, operations, calls }) => {
      const text = fixture(file);
      const path = join(dir, `${slug}.json`);
      await writeFile(path, text);
      const imported = await cli(["import-openapi", path, "--slug", slug, "--json"], t.env);
      expect(imported.code, `${imported.stderr}\n${imported.stdout}`).toBe(0);
      expect(imported.stderr).toMatch(/^reading .* \(\d+\.\d\d MiB\)$/m);
      expect(imported.stderr).toMatch(/^validating \(\d+\.\d s\)$/m);
      expect(imported.stderr).toMatch(new RegExp(`^building commands: ${operations} operation\\(s\\)$`, "m"));
      expect(imported.stderr).toMatch(new RegExp(`^building commands: 500/${operations}$`, "m"));
      expect(imported.stderr).toMatch(
        new RegExp(`^created ${slug} \\S+ \\(none\\) with ${operations} command`, "m"),
      );
      const summary = JSON.parse(imported.stdout) as { slug: string; commands: string[]; warnings: string[] };
      expect(summary.slug).toBe(slug);
      expect(summary.commands).toHaveLength(operations);

      // The server sees it at once; its API answers on loopback instead of GitHub (instance config).
      const fake = await startFakeApiServer(JSON.parse(text) as object);
      fakes.push(fake);
      await catalog().updateConnector({ slug, config: { baseUrl: fake.url } }, { headers: headers() });
      for (const [command, params, method, wirePath] of calls) {
        const before = fake.requests.length;
        await execute(slug, command, structuredClone(params) as JsonObject);
        const request = fake.requests[before];
        expect(request?.method, command).toBe(method);
        expect(request?.path, command).toBe(wirePath);
        expect(request?.errors, command).toEqual([]);
      }
      const [create] = fake.requests;
      if (slug === "github-rest") {
        expect(create?.body).toEqual({ title: "Crash on start", labels: ["bug", "p1"], milestone: 3 });
        // Params the caller left out are sent with their documented defaults (page=1, sort=created, ...).
        expect(fake.requests[1]?.query).toMatchObject({
          state: "open",
          labels: "bug,ui",
          per_page: "5",
          page: "1",
        });
      }
    },
    120_000,
  );

  // Item 21: the failures and the progress of the command itself.
  it("refuses a file over the import's size limit as a failure (1), not a usage error (item 21)", async () => {
    const path = join(dir, "huge.json");
    await writeFile(path, "");
    await truncate(path, MAX_DOCUMENT_BYTES + 1); // sparse: its size is all that is read
    const result = await cli(["import-openapi", path, "--slug", "huge"], t.env);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([
      `patchbay: ${path} is larger than ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB, the import's limit`,
    ]);
  });

  it("ends an import that runs out of memory with one line, not V8's report (item 21)", async () => {
    const path = join(dir, "github-oom.json");
    await writeFile(path, fixture("@octokit/routes/api.github.com.json"));
    // A heap far too small for the import (the command itself only checks its arguments).
    const env = { ...t.env, NODE_OPTIONS: "--max-old-space-size=40" };
    const result = await cli(["import-openapi", path, "--slug", "oom"], env);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/Last few GCs|FATAL ERROR|Native stack|node::/);
    expect(result.stderr.trim().split("\n").at(-1)).toBe(
      `patchbay: ${path}: the import ran out of memory (NODE_OPTIONS=--max-old-space-size=<MiB> gives it more)`,
    );
  });

  it("says it is opening the database, and counts every warning once (item 21)", async () => {
    const paths: Record<string, unknown> = {};
    // 600 operations without an operationId: one warning each, past the 500 the import returns.
    for (let i = 0; i < 600; i++) paths[`/p${i}`] = { get: { responses: { "200": { description: "ok" } } } };
    const path = join(dir, "many-warnings.json");
    await writeFile(
      path,
      JSON.stringify({
        openapi: "3.0.3",
        info: { title: "W", version: "1.0.0" },
        servers: [{ url: "https://w.example" }],
        paths,
      }),
    );
    const result = await cli(["import-openapi", path, "--slug", "many-warnings", "--json"], t.env);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.split("\n");
    const opening = lines.findIndex((l) => l.startsWith("opening the database"));
    expect(opening).toBeGreaterThan(0);
    expect(opening).toBeLessThan(lines.findIndex((l) => l.startsWith("parsing")));
    expect(result.stderr).toMatch(/^600 warning\(s\):$/m);
    expect(result.stderr).toMatch(/^ {2}… 580 more \(--json lists the first 500\)$/m);
    const summary = JSON.parse(result.stdout) as { warnings: string[] };
    expect(summary.warnings).toHaveLength(501);
    expect(summary.warnings.at(-1)).toBe("100 more warnings not shown");
  });

  it("refuses a document it cannot import with a one-line message naming the file", async () => {
    const path = join(dir, "broken.yaml");
    await writeFile(path, "openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n");
    const result = await cli(["import-openapi", path, "--slug", "broken"], t.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^patchbay: ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `, "m"),
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const usage = await cli(["import-openapi", path], t.env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--slug");
  });
});
