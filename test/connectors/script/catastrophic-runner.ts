// Run by catastrophic-memory.test.ts in a child process: a hash-table memory bomb can make V8 give up on
// an isolate (isolated-vm's "catastrophic error"), after which the process can no longer exit normally.
import { runScript, type ScriptRequest, sandboxHealthy } from "../../../src/connectors/script/index.ts";

const request: ScriptRequest = { command: "test", params: {}, config: {}, variables: {} };
const http = async (): Promise<never> => {
  throw new Error("this runner makes no HTTP calls");
};
let catastrophic = "";
const bomb = await runScript(
  "function test() { const m = new Map(); let i = 0; for (;;) m.set(i, i++); }",
  request,
  {
    http,
    limits: { memoryMb: 32, cpuMs: 20_000, wallMs: 20_000 },
    onCatastrophicError: (message) => {
      catastrophic = message;
    },
  },
);
const after = await runScript("function test() { return { payload: { ok: 1 } }; }", request, { http });
const healthy = sandboxHealthy();
process.stdout.write(`${JSON.stringify({ bomb, after, catastrophic, healthy })}\n`, () => {
  // A poisoned isolate's thread never returns, so a normal exit would hang.
  process.kill(process.pid, "SIGKILL");
});
