import type { JsonObject } from "@bufbuild/protobuf";

/** What `generate_connector_script` is asked for. */
export interface ScriptRequest {
  /** What the connector talks to and does, in the caller's words. */
  readonly description: string;
  /** The commands to write, by name; none gives one `example` command. */
  readonly commands: readonly string[];
  /** The connector's slug; derived from the description when empty. */
  readonly name: string;
}

/** A generated skeleton: the script, the schema that declares its commands, and a request that stores it. */
export interface GeneratedScript {
  readonly scriptSource: string;
  readonly configSchema: JsonObject;
  /** A CreateConnector request (proto JSON) for `create_connector`, unchanged or after filling in the script. */
  readonly createRequest: JsonObject;
  /** The command names as written (JavaScript identifiers, so each is a top-level function). */
  readonly commands: readonly string[];
}

/**
 * The script API in brief (docs/script-connectors.md has the whole of it), handed to the calling model
 * with every skeleton so it can fill the functions in without reading the docs.
 */
export const SCRIPT_API_REFERENCE = `Patchbay script connectors: plain JavaScript run in a sandbox, one top-level function per command, named like the command. A command named "test" is the credential test, run when credentials are submitted.
- patchbay.params: the command's params (defaults applied, checked against the param schema).
- patchbay.config: the connection's config and decrypted credentials (e.g. baseUrl, apiKey).
- patchbay.variables: the caller's run variables.
- patchbay.http.get(url, headers?) / .delete(url, headers?) / .post(url, body?, headers?) / .put(...) / .patch(...): answer { status, body, headers } with JSON bodies parsed; synchronous, and await is allowed. An object body is sent as JSON. Every call goes through Patchbay's egress-guarded client; a refused call throws.
- patchbay.log.info(message, fields?) (and trace, debug, warn, error); console.log also logs.
- Return { success: true, payload: {...}, variables?: {...} } or { success: false, error: "...", diagnostics: { statusCode } }; diagnostics.statusCode sets the failure class (401/403 auth, 429 rate limit, 5xx unavailable, otherwise failed_precondition).
- No require, import, process, timers or file system; limits: 64 MB heap, 5 s CPU, 30 s wall, 50 HTTP calls per execution by default.
- Declare each command in configSchema.commands: { description, params: [names], paramSchema: { name: { type: "string"|"number"|"boolean"|"date"|"select"|"raw", required, default, description } }, outputs: [payload keys], readOnly?, destructive?, idempotent? }; the last three are optional effect hints for agents (readOnly: only reads; destructive: may delete or overwrite; idempotent: a repeat with the same params changes nothing more), left out when unknown, and readOnly excludes destructive. A connectionConfig field marked secret makes the connector's auth type api_key.`;

/**
 * A deterministic script skeleton that follows the script API: a `test` command that checks the
 * credentials against the API's base URL, and one function per asked-for command, each a working GET
 * the calling model replaces with the real call. Deterministic, so the same request always gives the
 * same script (no model is asked).
 */
export function generateConnectorScript(request: ScriptRequest): GeneratedScript {
  const commands = uniqueIdentifiers(request.commands.length > 0 ? request.commands : ["example"]);
  const summary = request.description.trim().replace(/\s+/g, " ").slice(0, 200);
  const lines = [
    `// ${summary.replace(/\*\//g, "* /")}`,
    "// Generated skeleton: fill each command in (see the script API reference).",
    "function authHeaders() {",
    '  return { Authorization: "Bearer " + patchbay.config.apiKey, Accept: "application/json" };',
    "}",
    "",
    "function failure(what, r) {",
    '  return { success: false, error: what + " failed with HTTP " + r.status, diagnostics: { statusCode: r.status } };',
    "}",
    "",
    "// The credential test: one cheap authenticated call.",
    "function test() {",
    "  var r = patchbay.http.get(patchbay.config.baseUrl, authHeaders());",
    '  if (r.status >= 400) return failure("credential test", r);',
    "  return { success: true, payload: { status: r.status } };",
    "}",
  ];
  const specs: Record<string, JsonObject> = {
    test: { description: "Check the connection's credentials.", outputs: ["status"], readOnly: true },
  };
  for (const command of commands) {
    lines.push(
      "",
      `// ${command}: TODO call the API's endpoint for this command with patchbay.params.`,
      `function ${command}() {`,
      `  var r = patchbay.http.get(patchbay.config.baseUrl + "/${kebab(command)}", authHeaders());`,
      `  if (r.status >= 400) return failure("${command}", r);`,
      "  return { success: true, payload: { result: r.body } };",
      "}",
    );
    specs[command] = { description: `${command} (generated; describe it).`, params: [], outputs: ["result"] };
  }
  const configSchema: JsonObject = {
    connectionConfig: {
      baseUrl: { type: "string", required: true, description: "The API's base URL" },
      apiKey: { type: "string", required: true, secret: true, description: "API key or token" },
    },
    commands: specs,
  };
  const scriptSource = `${lines.join("\n")}\n`;
  const name = request.name || slugOf(summary);
  return {
    scriptSource,
    configSchema,
    commands,
    createRequest: {
      name,
      executionModel: "script",
      description: summary,
      configSchema,
      scriptSource,
    },
  };
}

/** Command names as JavaScript identifiers (camelCase of their words), without `test` and repeats. */
function uniqueIdentifiers(names: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of names) {
    const words = raw.split(/[^A-Za-z0-9]+/).filter((w) => w !== "");
    if (words.length === 0) continue;
    let id = words.map((w, i) => (i === 0 ? w : `${w.charAt(0).toUpperCase()}${w.slice(1)}`)).join("");
    if (/^[0-9]/.test(id)) id = `c${id}`;
    id = id.slice(0, 64);
    if (id !== "test" && !RESERVED.includes(id) && !out.includes(id)) out.push(id);
  }
  return out.length > 0 ? out : ["example"];
}

// Names a function cannot take, or that the skeleton's helpers already use.
const RESERVED: readonly string[] = [
  "authHeaders",
  "failure",
  "function",
  "var",
  "return",
  "delete",
  "new",
  "class",
];

function kebab(identifier: string): string {
  return identifier.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** A catalog slug (kebab-case, 2-63 characters) from the description's first words. */
function slugOf(text: string): string {
  const slug = text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "")
    .slice(0, 4)
    .join("-")
    .slice(0, 50)
    .replace(/-+$/, "");
  return /^[a-z][a-z0-9-]*[a-z0-9]$/.test(slug) ? slug : "generated-connector";
}
