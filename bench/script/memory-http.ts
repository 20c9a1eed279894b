// The benchmark's `patchbay.http`, loaded by the sandbox processes as their httpModule (in place of the
// outbound client) and called directly by the QuickJS runner: the host answers from memory.
import type { ScriptHttpResponse } from "../../src/connectors/script/index.ts";

export const ANSWER: ScriptHttpResponse = {
  status: 200,
  body: { name: "Ada Lovelace", department: "engineering" },
  headers: {},
};

export async function scriptHttp(): Promise<ScriptHttpResponse> {
  return structuredClone(ANSWER);
}
