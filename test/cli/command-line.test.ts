import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { patchbay, root } from "./run-patchbay.ts";

const BAD_PORT =
  'patchbay: invalid configuration: PATCHBAY_PORT must be a whole number from 0 to 65535 (got "eighty")\n';

/** A refusal of the command line: exit status 2 and exactly this one line on standard error. */
function refusedWith(line: string) {
  return { code: 2, stdout: "", stderr: `patchbay: ${line}\n` };
}

describe("the patchbay command line", () => {
  it("prints the package version with --version and -V", async () => {
    const { version } = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { version: string };
    expect(await patchbay(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    expect((await patchbay(["-V"])).stdout).toBe(`${version}\n`);
  });

  it.each([
    [["serve"], []],
    [["migrate"], []],
    [["keys"], ["create", "list", "revoke", "rotate", "rotate-master"]],
    [
      ["keys", "create"],
      ["--subject <subject>", "--scope <scope>", "--tenant", "--name", "--tier", "--expires", "--json"],
    ],
    [
      ["keys", "list"],
      ["--tenant", "--json"],
    ],
    [
      ["keys", "revoke"],
      ["<id-or-prefix>", "--tenant", "--json"],
    ],
    [
      ["keys", "rotate"],
      ["<id-or-prefix>", "--overlap <seconds>", "--tenant", "--json"],
    ],
    [["keys", "rotate-master"], ["--batch-size <n>"]],
    [["scaffold"], ["<name>", "-d, --description", "-f, --force", "--dir"]],
    [
      ["import-openapi"],
      ["<file>", "--slug", "--select", "--update", "--version <version>", "--category", "--tenant", "--json"],
    ],
  ])("answers %j --help with its usage and options", async (command, options) => {
    const help = await patchbay([...command, "--help"]);
    expect(help.code).toBe(0);
    expect(help.stderr).toBe("");
    expect(help.stdout).toMatch(new RegExp(`^Usage: patchbay ${command.join(" ")} `));
    for (const option of options) expect(help.stdout).toContain(option);
  });

  it("lists every command in its help, and shows it on standard error with status 2 when no command is given", async () => {
    const help = await patchbay(["help"]);
    expect(help.code).toBe(0);
    for (const command of ["serve", "migrate", "keys", "scaffold", "import-openapi"]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    }
    expect(help.stdout).toContain("Settings come from the environment");
    expect(await patchbay([])).toEqual({ code: 2, stdout: "", stderr: help.stdout });
    const keys = await patchbay(["keys"]);
    expect(keys.code).toBe(2);
    expect(keys.stderr).toMatch(/^Usage: patchbay keys /);
  });

  it.each([
    [["bogus"], "unknown command 'bogus'"],
    [["keys", "lst"], "unknown command 'lst' (did you mean list?)"],
    [
      ["keys", "create", "--subjet", "x", "--scope", "admin"],
      "unknown option '--subjet' (did you mean --subject?)",
    ],
    [["keys", "list", "--jsno"], "unknown option '--jsno' (did you mean --json?)"],
    [["keys", "create", "--scope", "admin"], "required option '--subject <subject>' not specified"],
    [["keys", "create", "--subject", "x"], "required option '--scope <scope>' not specified"],
    [["keys", "revoke"], "missing required argument 'id-or-prefix'"],
    [["keys", "revoke", "a", "b"], "too many arguments for 'revoke'. Expected 1 argument but got 2: a, b."],
    [
      ["keys", "rotate", "pb_abcdefghi", "--overlap", "604801"],
      "option '--overlap <seconds>' argument '604801' is invalid. must be a whole number from 0 to 604800",
    ],
    [
      ["keys", "create", "--subject", "x", "--scope", "admin", "--expires", "tomorrow"],
      "option '--expires <when>' argument 'tomorrow' is invalid. use an RFC 3339 time (2027-01-31T00:00:00Z) or a span (90d, 12h, 30m)",
    ],
    [
      ["keys", "rotate-master", "--batch-size", "0"],
      "option '--batch-size <n>' argument '0' is invalid. must be a whole number from 1 to 10000",
    ],
    [["migrate", "now"], "too many arguments for 'migrate'. Expected 0 arguments but got 1: now."],
    [["scaffold"], "missing required argument 'name'"],
    // The command's own --version, not the program's: options belong to the command they follow.
    [["import-openapi", "api.yaml", "--version", "1.2.0"], "required option '--slug <slug>' not specified"],
  ])("refuses %j in one line with status 2", async (args, line) => {
    expect(await patchbay(args, { PATCHBAY_PORT: "eighty" })).toEqual(refusedWith(line));
  });
});

describe("a bad setting", () => {
  let dir: string;
  let hook: string;
  let loaded: string;
  /** Runs the command with a hook that writes down every module Node loads. */
  const traced = async (args: string[], env: Record<string, string>) => {
    await writeFile(loaded, "");
    const run = await patchbay(args, { ...env, PATCHBAY_TEST_LOADED: loaded }, [
      "--import",
      pathToFileURL(hook).href,
    ]);
    return { run, modules: (await readFile(loaded, "utf8")).split("\n").filter(Boolean) };
  };
  const HEAVY =
    /\/node_modules\/(@mikro-orm|pg|pg-boss|isolated-vm|@connectrpc)\/|\/src\/(db|catalog|connectors|webhooks)\/|\/src\/auth\/api-keys\.ts/;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "patchbay-cli-"));
    hook = join(dir, "trace-loads.mjs");
    loaded = join(dir, "loaded.txt");
    await writeFile(
      hook,
      `import { appendFileSync } from "node:fs";
import { registerHooks } from "node:module";
registerHooks({
  load(url, context, nextLoad) {
    appendFileSync(process.env.PATCHBAY_TEST_LOADED, url + "\\n");
    return nextLoad(url, context);
  },
});
`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ["migrate"],
    ["keys", "create", "--subject", "x", "--scope", "admin"],
    ["keys", "list"],
    ["keys", "revoke", "pb_abcdefghi"],
    ["keys", "rotate", "pb_abcdefghi"],
    ["keys", "rotate-master"],
    ["import-openapi", "api.yaml", "--slug", "x"],
  ])(
    "is reported by %j in one line (status 78) before the database layer or the catalog loads",
    async (...args) => {
      const { run, modules } = await traced(args, { PATCHBAY_PORT: "eighty" });
      expect(run).toEqual({ code: 78, stdout: "", stderr: BAD_PORT });
      expect(modules.some((m) => m.includes("/src/cli/program.ts"))).toBe(true);
      expect(modules.filter((m) => HEAVY.test(m))).toEqual([]);
    },
  );

  it("is not what keeps those modules out: with good settings the same command loads them", async () => {
    // A port nothing listens on: the command gets as far as connecting, and fails there.
    const { run, modules } = await traced(["keys", "list"], {
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/patchbay",
      PATCHBAY_MASTER_KEY: Buffer.alloc(32, 7).toString("base64"),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^patchbay: [^\n]*ECONNREFUSED[^\n]*\n$/);
    expect(modules.filter((m) => HEAVY.test(m)).length).toBeGreaterThan(0);
  });
});
