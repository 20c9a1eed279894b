import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { promisify } from "node:util";
import { type Copy, type Dockerfile, DockerfileParser, type Instruction } from "dockerfile-ast";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { readRepoFile, repoPath } from "./deploy-files.ts";

const run = promisify(execFile);
const dockerfile: Dockerfile = DockerfileParser.parse(readRepoFile("deploy/Dockerfile"));
const instructions = dockerfile.getInstructions();
/** The instructions of the last stage: what the image runs with. */
const finalStage = instructions.slice(instructions.findLastIndex((i) => i.getKeyword() === "FROM"));
const keyword = (word: string) => (i: Instruction) => i.getKeyword() === word;
const args = (i: Instruction) => i.getArguments().map((a) => a.getValue());
/** An exec-form (JSON array) instruction's strings, or undefined for the shell form. */
function execForm(i: Instruction): string[] | undefined {
  const json = (i as unknown as { getJSONStrings?: () => { getJSONValue(): string }[] }).getJSONStrings?.();
  return json === undefined || json.length === 0 ? undefined : json.map((s) => s.getJSONValue());
}
/** Names that look like secrets: they must come from the runtime, never from the image. */
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|DATABASE_URL/i;

/**
 * Which paths the build context keeps, by .dockerignore's rules as far as deploy needs them: the last
 * matching line wins, `!` keeps, a line matches the path or a folder above it, `*` matches any top-level name.
 */
function keptByDockerignore(path: string): boolean {
  const lines = readRepoFile(".dockerignore")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  let kept = true;
  const parts = path.split("/");
  for (const line of lines) {
    const negated = line.startsWith("!");
    const pattern = (negated ? line.slice(1) : line).replace(/\/$/, "");
    const matches = parts.some((_, n) => {
      const prefix = parts.slice(0, n + 1).join("/");
      return pattern === prefix || (pattern === "*" && n === 0);
    });
    if (matches) kept = negated;
  }
  return kept;
}

describe("deploy/Dockerfile, by hadolint's main rules", () => {
  it("is multi-stage, and pins every base image to a version tag, never latest (DL3006, DL3007)", () => {
    const froms = dockerfile.getFROMs();
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const stages = new Set(froms.map((f) => f.getBuildStage()).filter((s) => s !== null));
    for (const from of froms) {
      if (stages.has(from.getImageName() ?? "")) continue;
      const tag = from.getImageTag();
      expect(tag, from.toString()).toMatch(/^\d+\.\d+\.\d+/);
      expect(tag).not.toContain("latest");
    }
  });

  it("bases every stage on Node 24, the version the project runs on", () => {
    const lock = JSON.parse(readRepoFile("package.json")) as { devDependencies: Record<string, string> };
    for (const from of dockerfile.getFROMs()) {
      expect(from.getImageName()).toBe("node");
      expect(from.getImageTag()).toMatch(
        new RegExp(`^${lock.devDependencies.node?.replaceAll(".", "\\.")}-`),
      );
      expect(from.getImageTag()).toMatch(/-slim$/);
    }
  });

  it("runs as a numeric non-root user (DL3002; numeric so Kubernetes can verify runAsNonRoot)", () => {
    const users = finalStage.filter(keyword("USER"));
    expect(users.length).toBeGreaterThan(0);
    const last = args(users.at(-1) as Instruction)[0] ?? "";
    expect(last).toMatch(/^\d+(:\d+)?$/);
    expect(last.split(":")[0]).not.toBe("0");
  });

  it("has a HEALTHCHECK that runs the /healthz check in exec form", () => {
    const checks = finalStage.filter(keyword("HEALTHCHECK"));
    expect(checks).toHaveLength(1);
    const check = checks[0] as Instruction;
    expect(args(check)).not.toContain("NONE");
    expect(execForm(check)).toBeUndefined(); // the flags come first; CMD's array follows
    const command = /CMD\s+(\[.*\])\s*$/.exec(check.getArgumentsContent() ?? "")?.[1];
    expect(JSON.parse(command ?? "null")).toEqual(["node", "deploy/healthcheck.js"]);
    expect(readRepoFile("deploy/healthcheck.js")).toContain('"/healthz"');
  });

  it("installs with npm ci from the lockfile, never npm install (DL3016 in spirit), without dev dependencies", () => {
    const runs = instructions.filter(keyword("RUN")).map((i) => i.getArgumentsContent() ?? "");
    expect(runs.some((r) => /\bnpm ci\b[^&|;]*--omit=dev/.test(r))).toBe(true);
    for (const r of runs) expect(r).not.toMatch(/\bnpm (install|i|add)\b/);
  });

  it("uses COPY, not ADD (DL3020), and every COPY source is in the build context", () => {
    expect(instructions.filter(keyword("ADD"))).toEqual([]);
    for (const copy of instructions.filter(keyword("COPY"))) {
      // A COPY --from=<stage> copies from an earlier stage, not from the build context.
      if ((copy as unknown as Copy).getFromFlag() !== null) continue;
      const sources = args(copy)
        .filter((a) => !a.startsWith("--"))
        .slice(0, -1);
      for (const source of sources) {
        const path = source.replace(/\/$/, "");
        expect(existsSync(repoPath(path)), path).toBe(true);
        expect(keptByDockerignore(path), path).toBe(true);
      }
    }
  });

  it("keeps node_modules, .git, tests, local data and keys out of the build context", () => {
    for (const path of [
      "node_modules",
      ".git",
      "test/e2e",
      ".patchbay/master.key",
      "bench",
      "docs",
      ".env",
    ]) {
      expect(keptByDockerignore(path), path).toBe(false);
    }
  });

  it("starts in exec form, so node gets the signals (DL3025), and runs what npm start runs", () => {
    const entrypoints = finalStage.filter(keyword("ENTRYPOINT"));
    const cmds = finalStage.filter(keyword("CMD"));
    expect(entrypoints).toHaveLength(1);
    expect(cmds).toHaveLength(1);
    expect(execForm(entrypoints[0] as Instruction)).toEqual(["patchbay-entrypoint"]);
    const pkg = JSON.parse(readRepoFile("package.json")) as { scripts: Record<string, string> };
    expect(execForm(cmds[0] as Instruction)?.join(" ")).toBe(pkg.scripts.start);
  });

  it("sets no secret in ENV or ARG; DATABASE_URL and PATCHBAY_MASTER_KEY come at run time", () => {
    for (const i of instructions.filter((i) => ["ENV", "ARG"].includes(i.getKeyword()))) {
      const names = (i as unknown as { getProperties(): { getName(): string }[] })
        .getProperties()
        .map((p) => p.getName());
      for (const name of names) expect(name, i.toString()).not.toMatch(SECRET_NAME);
    }
  });

  it("uses an absolute WORKDIR before relative COPY destinations (DL3000, DL3045)", () => {
    for (const workdir of instructions.filter(keyword("WORKDIR"))) expect(args(workdir)[0]).toMatch(/^\//);
    let workdir = false;
    for (const i of instructions) {
      if (i.getKeyword() === "FROM") workdir = false;
      if (i.getKeyword() === "WORKDIR") workdir = true;
      if (i.getKeyword() === "COPY" && !(args(i).at(-1) ?? "").startsWith("/")) expect(workdir).toBe(true);
    }
  });

  it("exposes the port the image's environment configures, which is Patchbay's default", () => {
    const env = Object.fromEntries(
      finalStage
        .filter(keyword("ENV"))
        .flatMap((i) =>
          (i as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] })
            .getProperties()
            .map((p) => [p.getName(), p.getValue() ?? ""]),
        ),
    );
    const exposed = finalStage.filter(keyword("EXPOSE")).flatMap(args);
    expect(exposed).toEqual([env.PATCHBAY_PORT]);
    expect(loadConfig({}, false).port).toBe(Number(env.PATCHBAY_PORT));
    expect(loadConfig(env, false).logFormat).toBe("json");
  });
});

describe("deploy/docker-entrypoint.sh", () => {
  const entrypoint = repoPath("deploy/docker-entrypoint.sh");

  it("is executable and hands over to the command with exec", () => {
    expect(statSync(entrypoint).mode & 0o111).not.toBe(0);
    expect(readRepoFile("deploy/docker-entrypoint.sh")).toMatch(/^#!\/bin\/sh\n/);
  });

  it("refuses to start without DATABASE_URL (exit 78, the configuration-error status)", async () => {
    const outcome = await run("sh", [entrypoint, "echo", "started"], {
      env: { PATH: process.env.PATH },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(outcome).toMatchObject({ code: 78 });
    expect((outcome as { stderr: string }).stderr).toContain("DATABASE_URL must be set");
  });

  it("becomes the command (same process id) when DATABASE_URL is set", async () => {
    const { stdout } = await run("sh", [entrypoint, "sh", "-c", "echo $$ $PPID"], {
      env: { PATH: process.env.PATH, DATABASE_URL: "postgres://db.example/patchbay" },
    });
    // exec keeps the process: the command's parent is this test, not a shell left in between.
    const [, parent] = stdout.trim().split(" ");
    expect(Number(parent)).toBe(process.pid);
  });
});
