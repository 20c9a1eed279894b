import type { JsonObject } from "@bufbuild/protobuf";
import {
  type CreateMessageRequest,
  type CreateMessageResult,
  ErrorCode,
} from "@modelcontextprotocol/sdk/types.js";
import { type GeneratedScript, SCRIPT_API_REFERENCE } from "./generate-connector-script.ts";

/** What the client's model is asked to write a script for. */
export interface SamplingBrief {
  readonly description: string;
  /** The API's endpoints as the caller listed them (`GET /posts: list posts`). */
  readonly endpoints: readonly string[];
  /** An excerpt of the API's OpenAPI description, as text. */
  readonly openapiExcerpt: string;
}

/** Asks the client's model (`sampling/createMessage`); rejects when the client cannot or will not. */
export type AskModel = (params: CreateMessageRequest["params"]) => Promise<CreateMessageResult>;

/** Compiles a script in the sandbox without running a command: the compile error, or undefined. */
export type CheckScript = (source: string) => Promise<string | undefined>;

/** How asking the model ended. */
export type Sampled =
  | {
      readonly ok: true;
      readonly scriptSource: string;
      readonly configSchema: JsonObject;
      readonly model: string;
      readonly attempts: number;
    }
  | { readonly ok: false; readonly reason: string; readonly attempts: number };

/** Answers the model may take before its script is given up on (each failed check is shown to it). */
export const SAMPLING_ATTEMPTS = 2;
/** The largest script accepted from the model (a connector's script is capped by the same order). */
const MAX_SCRIPT_CHARS = 256 * 1024;

const INSTRUCTIONS = `You write Patchbay script connectors. ${SCRIPT_API_REFERENCE}
Answer with exactly two fenced code blocks and nothing else: first \`\`\`javascript with the whole script (a top-level function per command, and test), then \`\`\`json with the connector's configSchema (connectionConfig, and commands with description, params, paramSchema and outputs for every function).`;

/**
 * Asks the client's model to write the connector from the skeleton, and checks each answer compiles in
 * the sandbox and defines a function for every command its configSchema declares; a failed check is told
 * to the model, which answers again (at most {@link SAMPLING_ATTEMPTS} answers). Never throws: a client
 * without sampling, a refusal or a timeout is `ok: false` with the reason, and the caller answers the
 * skeleton instead.
 */
export async function sampleScript(
  brief: SamplingBrief,
  skeleton: GeneratedScript,
  ask: AskModel,
  check: CheckScript,
): Promise<Sampled> {
  const messages: CreateMessageRequest["params"]["messages"] = [
    { role: "user", content: { type: "text", text: briefText(brief, skeleton) } },
  ];
  let reason = "";
  for (let attempt = 1; attempt <= SAMPLING_ATTEMPTS; attempt++) {
    let answer: CreateMessageResult;
    try {
      answer = await ask({
        messages: [...messages],
        systemPrompt: INSTRUCTIONS,
        includeContext: "none",
        maxTokens: 8_000,
        modelPreferences: { intelligencePriority: 0.8, speedPriority: 0.2 },
      });
    } catch (error) {
      return { ok: false, reason: `sampling unavailable: ${shortReason(error)}`, attempts: attempt - 1 };
    }
    const text = textOf(answer);
    const parsed = parseAnswer(text, skeleton.configSchema);
    reason = parsed.scriptSource === "" ? "the answer held no script" : await problemsOf(parsed, check);
    if (reason === "") {
      return { ok: true, ...parsed, model: answer.model.slice(0, 200), attempts: attempt };
    }
    messages.push(
      { role: "assistant", content: { type: "text", text: text.slice(0, MAX_SCRIPT_CHARS) } },
      {
        role: "user",
        content: {
          type: "text",
          text: `That does not work in Patchbay: ${reason}. Answer again with both corrected blocks.`,
        },
      },
    );
  }
  return { ok: false, reason, attempts: SAMPLING_ATTEMPTS };
}

function briefText(brief: SamplingBrief, skeleton: GeneratedScript): string {
  const parts = [`Write a Patchbay script connector for: ${brief.description}`];
  if (skeleton.commands.length > 0) parts.push(`Commands: ${skeleton.commands.join(", ")} (and test).`);
  if (brief.endpoints.length > 0)
    parts.push(`Endpoints:\n${brief.endpoints.map((e) => `- ${e}`).join("\n")}`);
  if (brief.openapiExcerpt !== "") parts.push(`OpenAPI excerpt:\n${brief.openapiExcerpt}`);
  parts.push(
    `Start from this skeleton and replace each TODO with the real call:\n\`\`\`javascript\n${skeleton.scriptSource}\`\`\``,
    `Its configSchema:\n\`\`\`json\n${JSON.stringify(skeleton.configSchema, null, 2)}\n\`\`\``,
  );
  return parts.join("\n\n");
}

/** The text of the model's answer (one text block, or the text blocks of a list). */
function textOf(answer: CreateMessageResult): string {
  const blocks: unknown[] = Array.isArray(answer.content) ? answer.content : [answer.content];
  return blocks
    .map((block) =>
      typeof block === "object" &&
      block !== null &&
      "type" in block &&
      block.type === "text" &&
      "text" in block
        ? String(block.text)
        : "",
    )
    .join("\n");
}

/** The script (the javascript block, or the whole text without one) and the configSchema (the json block). */
function parseAnswer(text: string, fallback: JsonObject): { scriptSource: string; configSchema: JsonObject } {
  const script =
    /```(?:javascript|js)[^\n]*\n([\s\S]*?)```/.exec(text)?.[1] ?? (/```/.test(text) ? "" : text);
  const json = /```json[^\n]*\n([\s\S]*?)```/.exec(text)?.[1];
  let configSchema = fallback;
  if (json !== undefined) {
    try {
      const value: unknown = JSON.parse(json);
      if (isObject(value) && isObject(value.commands)) configSchema = value as JsonObject;
    } catch {
      // The skeleton's schema stays; the check below still holds the script to it.
    }
  }
  const trimmed = script.trim();
  return { scriptSource: trimmed === "" ? "" : `${trimmed}\n`, configSchema };
}

/** Why the script cannot be used ("" when it can): too large, does not compile, or misses a command. */
async function problemsOf(
  parsed: { scriptSource: string; configSchema: JsonObject },
  check: CheckScript,
): Promise<string> {
  if (parsed.scriptSource.length > MAX_SCRIPT_CHARS)
    return `the script is longer than ${MAX_SCRIPT_CHARS} characters`;
  const compileError = await check(parsed.scriptSource);
  if (compileError !== undefined) return `it does not compile: ${compileError}`;
  const commands = isObject(parsed.configSchema.commands) ? Object.keys(parsed.configSchema.commands) : [];
  const missing = commands.filter(
    (name) => !new RegExp(`(^|[^\\w$.])function\\s+${escapeRegExp(name)}\\s*\\(`).test(parsed.scriptSource),
  );
  return missing.length > 0 ? `the script defines no function for ${missing.join(", ")}` : "";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A short, operator-safe reason for a failed sampling request (the client's words are not repeated). */
function shortReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === ErrorCode.MethodNotFound) return "the client does not support sampling";
  if (code === ErrorCode.RequestTimeout) return "the client did not answer in time";
  if (code === ErrorCode.ConnectionClosed) return "the connection closed";
  if (typeof code === "number") return `the client refused (JSON-RPC error ${code})`;
  return "the client did not answer";
}
