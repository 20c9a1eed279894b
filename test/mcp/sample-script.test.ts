import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, describe, expect, it } from "vitest";
import { createSandbox } from "../../src/connectors/script/index.ts";
import { generateConnectorScript } from "../../src/mcp/generate-connector-script.ts";
import { type AskModel, SAMPLING_ATTEMPTS, sampleScript } from "../../src/mcp/sample-script.ts";
import { createScriptCheck } from "../../src/server/mcp-mount.ts";

// What Patchbay makes of the model's answers: the script checked in a real sandbox, the schema held to
// the functions the script defines, a failed check told to the model, and a client that cannot sample.

const sandbox = createSandbox({ processes: 1 });
afterAll(() => sandbox.close());
const check = createScriptCheck(sandbox);
const tenantCheck = (source: string) => check("sample-test", source);
const brief = { description: "A ping service", endpoints: [], openapiExcerpt: "" };
const skeleton = generateConnectorScript({ description: "A ping service", commands: ["ping"], name: "" });

/** A model that answers each request with the next text, and remembers what it was asked. */
function model(...texts: string[]) {
  const asked: Parameters<AskModel>[0][] = [];
  const ask: AskModel = async (params) => {
    asked.push(params);
    const text = texts[asked.length - 1] ?? "";
    return { role: "assistant", model: "m", content: { type: "text", text } };
  };
  return { ask, asked };
}

const PING =
  "function test() { return { success: true }; }\nfunction ping() { return { success: true, payload: { pong: 1 } }; }";

describe("sampleScript", () => {
  it("takes an answer without fences as the script, with the skeleton's schema", async () => {
    const { ask } = model(PING);
    const sampled = await sampleScript(brief, skeleton, ask, tenantCheck);
    expect(sampled).toMatchObject({ ok: true, scriptSource: `${PING}\n`, attempts: 1 });
    if (sampled.ok) expect(sampled.configSchema).toEqual(skeleton.configSchema);
  });

  it("tells the model why its answer failed and takes the corrected one", async () => {
    const { ask, asked } = model(
      "```javascript\nfunction ping( {\n```",
      "```javascript\nfunction test() { return { success: true }; }\n```",
      "unused",
    );
    const sampled = await sampleScript(brief, skeleton, ask, tenantCheck);
    expect(sampled.ok).toBe(false);
    expect(sampled.attempts).toBe(SAMPLING_ATTEMPTS);
    if (!sampled.ok) expect(sampled.reason).toBe("the script defines no function for ping");
    const retry = JSON.stringify(asked[1]?.messages.at(-1));
    expect(retry).toContain("does not compile: SyntaxError");
    expect(retry).toContain("(line ");
  });

  it("keeps the skeleton's schema when the json block is not JSON, and holds the script to it", async () => {
    const { ask } = model(`\`\`\`js\n${PING}\n\`\`\`\n\`\`\`json\n{ not json\n\`\`\``);
    const sampled = await sampleScript(brief, skeleton, ask, tenantCheck);
    expect(sampled.ok).toBe(true);
    if (sampled.ok) expect(sampled.configSchema).toEqual(skeleton.configSchema);
  });

  it("refuses a script whose top level throws, with the script's own position", async () => {
    const throwing = '```javascript\nfunction test() {}\nfunction ping() {}\nthrow new Error("boom");\n```';
    const { ask } = model(throwing, throwing);
    const sampled = await sampleScript(brief, skeleton, ask, tenantCheck);
    expect(sampled.ok).toBe(false);
    if (!sampled.ok) expect(sampled.reason).toContain("Error: boom (line 3");
  });

  it("makes no HTTP call while checking a script", async () => {
    const reach =
      '```javascript\nvar r = patchbay.http.get("http://127.0.0.1:9/");\nfunction test() {}\nfunction ping() {}\n```';
    const { ask } = model(reach, reach);
    const sampled = await sampleScript(brief, skeleton, ask, tenantCheck);
    expect(sampled.ok).toBe(false);
  });

  it("reads an answer given as a list of text blocks", async () => {
    const ask: AskModel = async () =>
      ({
        role: "assistant",
        model: "m",
        content: [
          { type: "text", text: "```javascript" },
          { type: "text", text: `${PING}\n\`\`\`` },
        ],
      }) as unknown as Awaited<ReturnType<AskModel>>;
    expect((await sampleScript(brief, skeleton, ask, tenantCheck)).ok).toBe(true);
  });

  it("says why when the client cannot sample, refuses, or does not answer", async () => {
    const failing =
      (error: unknown): AskModel =>
      async () => {
        throw error;
      };
    const reasons = [
      [new McpError(ErrorCode.MethodNotFound, "Method not found"), "the client does not support sampling"],
      [new McpError(ErrorCode.RequestTimeout, "timed out"), "the client did not answer in time"],
      [new McpError(ErrorCode.ConnectionClosed, "closed"), "the connection closed"],
      [new McpError(-1, "user declined: secret words"), "the client refused (JSON-RPC error -1)"],
      [new Error("anything"), "the client did not answer"],
    ] as const;
    for (const [error, reason] of reasons) {
      const sampled = await sampleScript(brief, skeleton, failing(error), tenantCheck);
      expect(sampled).toEqual({ ok: false, reason: `sampling unavailable: ${reason}`, attempts: 0 });
    }
  });

  it("refuses an answer with no script and one that is too long", async () => {
    const { ask } = model("```json\n{}\n```", `\`\`\`javascript\n${"//".padEnd(300_000, "x")}\n\`\`\``);
    const sampled = await sampleScript(brief, skeleton, ask, tenantCheck);
    expect(sampled).toMatchObject({ ok: false, reason: "the script is longer than 262144 characters" });
  });
});
