import { mkdtemp, readFile, rm } from "node:fs/promises";
import { constants, enableCompileCache, getCompileCacheDir } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createSandbox, type ScriptRequest } from "../../../src/connectors/script/index.ts";

// The service turns Node's compile cache on in src/main.ts; its sandbox processes are handed the same
// folder, so that a new process loads its modules from the cache instead of compiling them again. Where
// Node keeps the cache off (V8 coverage, as `npm test` runs, turns it off), the processes are started
// without one.
const request: ScriptRequest = { command: "test", params: {}, config: {}, variables: {} };
const folder = await mkdtemp(join(tmpdir(), "patchbay-compile-cache-"));
const { status } = enableCompileCache(folder);
const cacheOn =
  status === constants.compileCacheStatus.ENABLED || status === constants.compileCacheStatus.ALREADY_ENABLED;
const sandbox = createSandbox({ processes: 1 });
afterAll(async () => {
  await sandbox.close();
  await rm(folder, { recursive: true, force: true });
});

describe("a sandbox process", () => {
  it("is started with the service's compile cache folder (none when it is off), and runs scripts", async () => {
    const cache = getCompileCacheDir();
    expect(cache === undefined).toBe(!cacheOn);
    const result = await sandbox.run("function test() { return { payload: { ok: 1 } }; }", request, {
      tenant: "t-cache",
      http: () => Promise.reject(new Error("unused")),
    });
    expect(result).toEqual({ success: true, payload: { ok: 1 } });
    const [pid] = sandbox.pids();
    // The entry's first argument: the folder it turns the cache on in, or empty when the cache is off.
    const argv = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
    expect(argv.at(-2)).toBe(cacheOn ? cache : "");
  });
});
