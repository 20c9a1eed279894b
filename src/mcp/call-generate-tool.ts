import type { JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { ToolFailure } from "./call-connector-tool.ts";
import { generateConnectorScript, SCRIPT_API_REFERENCE } from "./generate-connector-script.ts";
import { type AskModel, sampleScript } from "./sample-script.ts";
import { toolFailure } from "./tool-failure.ts";

/** The largest OpenAPI excerpt passed on to the model, in characters. */
const MAX_EXCERPT_CHARS = 64 * 1024;
/** Endpoints passed on to the model, at most, each cut at 500 characters. */
const MAX_ENDPOINTS = 200;

/**
 * `generate_connector_script`: the deterministic skeleton, then, when the request can carry a
 * server-to-client request (`ask`) and the caller did not say `useSampling: false`, the client's model
 * is asked to write the whole connector from it (`sampling/createMessage`) and its answer is used once
 * it compiles in the sandbox (`checkScript`, in the caller's tenant). A client without sampling, a refusal or
 * a script that never compiles gives the skeleton, with the reason in `samplingNote`. The answer says
 * which it is (`generatedBy`), and always carries the script API reference.
 */
export async function callGenerateTool(
  tenantId: string,
  args: JsonObject,
  ask: AskModel | undefined,
  checkScript: (tenantId: string, source: string) => Promise<string | undefined>,
): Promise<{ result: CallToolResult; failed: ToolFailure }> {
  const description = typeof args.description === "string" ? args.description.trim() : "";
  if (description === "") {
    const error = new ConnectError("description is required", Code.InvalidArgument);
    return { result: toolFailure(error), failed: error };
  }
  const commands = strings(args.commands);
  const name = typeof args.name === "string" ? args.name : "";
  const skeleton = generateConnectorScript({ description, commands, name });
  let scriptSource = skeleton.scriptSource;
  let configSchema = skeleton.configSchema;
  const sampling: JsonObject = { generatedBy: "skeleton" };
  if (ask !== undefined && args.useSampling !== false) {
    const brief = {
      description,
      endpoints: strings(args.endpoints)
        .slice(0, MAX_ENDPOINTS)
        .map((e) => e.slice(0, 500)),
      openapiExcerpt:
        typeof args.openapiExcerpt === "string" ? args.openapiExcerpt.slice(0, MAX_EXCERPT_CHARS) : "",
    };
    const sampled = await sampleScript(brief, skeleton, ask, (source) => checkScript(tenantId, source));
    if (sampled.ok) {
      scriptSource = sampled.scriptSource;
      configSchema = sampled.configSchema;
      Object.assign(sampling, {
        generatedBy: "sampling",
        model: sampled.model,
        samplingAttempts: sampled.attempts,
      });
    } else {
      Object.assign(sampling, { samplingNote: sampled.reason, samplingAttempts: sampled.attempts });
    }
  }
  const structured: JsonObject = {
    scriptSource,
    configSchema,
    createRequest: { ...skeleton.createRequest, configSchema, scriptSource },
    commands: [...skeleton.commands],
    ...sampling,
    reference: SCRIPT_API_REFERENCE,
  };
  return {
    result: {
      content: [
        { type: "text", text: scriptSource },
        { type: "text", text: SCRIPT_API_REFERENCE },
        { type: "text", text: JSON.stringify(structured) },
      ],
      structuredContent: structured,
    },
    failed: undefined,
  };
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
