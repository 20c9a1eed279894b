// The build page: create or change a script connector — connection fields and commands edited as a
// form, the script in an editor — see the version bump a save needs and why, save it, and run any of its
// commands. Everything through Patchbay's REST API with the operator's key: CatalogService
// (Create/Get/UpdateConnector, GetCapabilities, ListConnectorVersions), ConnectionService.ListConnections
// and ExecuteService.Execute. Plain browser JavaScript, no build step; API values reach the page through
// textContent only.

import {
  ApiError,
  bindKeyControls,
  callApi,
  clearMessage,
  describeFailure,
  readKey,
  showKeyState,
  showMessage,
} from "./admin-common.js";
import { createConnectorForm } from "./connector-form.js";
import { changesList, el, jsonBlock, SLUG_RULE, SLUG_SHAPE, str } from "./connector-view.js";
import { $ } from "./console-ui.js";
import { bumpVersion, diffSchemas, requiredBump, schemaOfCapabilities } from "./schema-diff.js";
import { createScriptEditor } from "./script-editor.js";

const ui = {
  keyForm: /** @type {HTMLFormElement} */ ($("key-form")),
  keyInput: /** @type {HTMLInputElement} */ ($("api-key")),
  forgetKey: /** @type {HTMLButtonElement} */ ($("forget-key")),
  keyState: $("key-state"),
  message: $("message"),
  slug: /** @type {HTMLInputElement} */ ($("slug")),
  load: /** @type {HTMLButtonElement} */ ($("load")),
  fresh: /** @type {HTMLButtonElement} */ ($("new")),
  displayName: /** @type {HTMLInputElement} */ ($("display-name")),
  description: /** @type {HTMLInputElement} */ ($("description")),
  loadedState: $("loaded-state"),
  fields: $("fields"),
  addField: /** @type {HTMLButtonElement} */ ($("add-field")),
  commands: $("commands"),
  addCommand: /** @type {HTMLButtonElement} */ ($("add-command")),
  bump: $("bump"),
  save: /** @type {HTMLButtonElement} */ ($("save")),
  saveResult: $("save-result"),
  runSlug: /** @type {HTMLInputElement} */ ($("run-slug")),
  runCommand: /** @type {HTMLSelectElement} */ ($("run-command")),
  runTarget: /** @type {HTMLSelectElement} */ ($("run-target")),
  runMockField: $("run-mock-field"),
  runMock: /** @type {HTMLSelectElement} */ ($("run-mock")),
  runMockHint: $("run-mock-hint"),
  runRefresh: /** @type {HTMLButtonElement} */ ($("run-refresh")),
  runParams: /** @type {HTMLTextAreaElement} */ ($("run-params")),
  runVariables: /** @type {HTMLTextAreaElement} */ ($("run-variables")),
  run: /** @type {HTMLButtonElement} */ ($("run")),
  runResult: $("run-result"),
};

/**
 * The connector being edited: the stored one (slug, version, schema, script as loaded or last saved),
 * or none for a new connector; the commands of the connector the run panel names and, for a built-in
 * one, each command's mock scenario names (null for other models); the pending bump recomputation.
 * @type {{ stored: { slug: string, version: string, schema: any, script: string } | null,
 *   runCommands: any[], runMocks: Map<string, string[]> | null, bumpTimer: number }}
 */
// runGeneration: the run panel's latest load; an answer for an earlier slug is dropped.
const state = { stored: null, runCommands: [], runMocks: null, bumpTimer: 0, runGeneration: 0 };

const FAILURE_WORDS = {
  forbidden:
    "Permission denied (403): this key may not do that. Saving needs the catalog:write scope, running the execute scope.",
};

/** @param {string} path @param {{ method?: string, body?: unknown }} [options] */
function api(path, options = {}) {
  return callApi(path, {
    ...options,
    noKey: "Paste an API key with the catalog:write and execute scopes first.",
    unreachable: "Network error: Patchbay could not be reached; check that it is running, then try again.",
  });
}

/** @param {unknown} error */
function report(error) {
  showMessage(ui, describeFailure(error, FAILURE_WORDS), "error");
}

// ---- the version a save needs ----

/** Shows what a save would do: the changes against the stored version and the bump they need. */
function showBump() {
  const collected = form.collect();
  if ("problem" in collected) {
    ui.bump.replaceChildren(el("p", { class: "message error" }, collected.problem));
    ui.save.disabled = true;
    return;
  }
  ui.save.disabled = false;
  if (state.stored === null) {
    ui.bump.replaceChildren(el("p", {}, "A new connector: saving creates it at version 1.0.0."));
    return;
  }
  const changes = diffSchemas(state.stored.schema, collected.schema);
  const bump = requiredBump(changes);
  const scriptChanged = editor.get() !== state.stored.script;
  const current = state.stored.version;
  /** @type {(string | Node)[]} */
  const nodes = [];
  if (bump === "none") {
    nodes.push(
      el(
        "p",
        { id: "bump-summary" },
        scriptChanged
          ? `The schema is unchanged: saving keeps version ${current} and replaces its script (the rules bump a version for schema changes only).`
          : `Nothing changed since version ${current}.`,
      ),
    );
  } else {
    nodes.push(
      el(
        "p",
        { id: "bump-summary" },
        `Saving needs a ${bump} version: ${current} → ${bumpVersion(current, bump)}, because:`,
      ),
      changesList(changes),
    );
  }
  ui.bump.replaceChildren(...nodes);
}

/** Something in the form or the editor changed: recompute the bump shortly. */
function changed() {
  clearTimeout(state.bumpTimer);
  state.bumpTimer = window.setTimeout(showBump, 150);
}

// ---- loading and saving ----

/** @param {string} slug */
async function loadConnector(slug) {
  if (!SLUG_SHAPE.test(slug)) {
    showMessage(ui, "Type the slug of a script connector: lower-case letters, digits and dashes.", "error");
    return;
  }
  try {
    const path = `/api/v1/connectors/${encodeURIComponent(slug)}`;
    const [{ connector }, { versions }] = await Promise.all([api(path), api(`${path}/versions`)]);
    if (connector?.executionModel !== "script") {
      showMessage(
        ui,
        `${slug} is not a script connector: only its commands can be run here (below).`,
        "info",
      );
      ui.runSlug.value = slug;
      await loadRunTargets();
      return;
    }
    const latest = Array.isArray(versions)
      ? (versions.find((v) => v.version === connector.version) ?? versions[0])
      : undefined;
    const script = str(latest?.scriptSource);
    // The schema as the API reports the current version (ListConnectorVersions and GetCapabilities agree).
    const schema = latest?.configSchema ?? schemaOfCapabilities(await api(`${path}/capabilities`));
    state.stored = { slug, version: str(connector.version), schema, script };
    ui.slug.value = slug;
    ui.slug.readOnly = true;
    ui.displayName.value = str(connector.name);
    ui.description.value = str(connector.description);
    form.fill(schema);
    editor.set(script);
    ui.loadedState.textContent =
      script === ""
        ? `Loaded ${slug} at version ${connector.version}. Its script is not shown to this key's tenant: saving replaces it with the one below.`
        : `Loaded ${slug} at version ${connector.version}.`;
    ui.save.textContent = "Save new version";
    ui.saveResult.replaceChildren();
    ui.runSlug.value = slug;
    await loadRunTargets();
    showBump();
    clearMessage(ui);
  } catch (error) {
    report(error);
  }
}

function startNew() {
  state.stored = null;
  ui.slug.readOnly = false;
  ui.slug.value = "";
  ui.displayName.value = "";
  ui.description.value = "";
  form.fill({
    connectionConfig: {},
    commands: { ping: { description: "Answers pong", params: [], outputs: ["pong"] } },
  });
  editor.set(TEMPLATE);
  ui.loadedState.textContent = "New connector: saving creates it at version 1.0.0.";
  ui.save.textContent = "Create connector";
  ui.saveResult.replaceChildren();
  showBump();
}

const TEMPLATE = `// One top-level function per command, named like it.
function ping() {
  patchbay.log.info("ping called");
  return { success: true, payload: { pong: true } };
}
`;

async function save() {
  const collected = form.collect();
  if ("problem" in collected) {
    showMessage(ui, collected.problem, "error");
    return;
  }
  const script = editor.get();
  try {
    if (state.stored === null) {
      const slug = ui.slug.value.trim();
      if (!SLUG_SHAPE.test(slug)) {
        showMessage(ui, SLUG_RULE, "error");
        ui.slug.focus();
        return;
      }
      const { connector } = await api("/api/v1/connectors", {
        method: "POST",
        body: {
          name: slug,
          displayName: ui.displayName.value.trim(),
          description: ui.description.value.trim(),
          executionModel: "script",
          configSchema: collected.schema,
          scriptSource: script,
        },
      });
      ui.saveResult.replaceChildren(
        el("p", { id: "save-summary" }, `Created ${slug} at version ${str(connector?.version)}.`),
      );
      state.stored = { slug, version: str(connector?.version), schema: collected.schema, script };
    } else {
      const expected = requiredBump(diffSchemas(state.stored.schema, collected.schema));
      const slug = state.stored.slug;
      // auto_bump: the server applies the floor its rules compute; the page shows it next to its own.
      const answer = await api(`/api/v1/connectors/${encodeURIComponent(slug)}`, {
        method: "PUT",
        body: {
          displayName: ui.displayName.value.trim(),
          description: ui.description.value.trim(),
          configSchema: collected.schema,
          scriptSource: script,
          autoBump: true,
        },
      });
      const version = str(answer.connector?.version);
      const applied = str(answer.requiredBump) || "none";
      const summary =
        version === str(answer.previousVersion)
          ? `Saved ${slug}: version ${version} kept (no schema change).`
          : `Saved ${slug}: version ${str(answer.previousVersion)} → ${version}, a ${applied} change.`;
      const nodes = [el("p", { id: "save-summary" }, summary)];
      if (applied !== expected)
        nodes.push(
          el(
            "p",
            { class: "hint" },
            `This page expected a ${expected} change; the server's rules decided ${applied}.`,
          ),
        );
      ui.saveResult.replaceChildren(...nodes);
      state.stored = { slug, version, schema: collected.schema, script };
    }
    ui.slug.readOnly = true;
    ui.save.textContent = "Save new version";
    ui.loadedState.textContent = `Editing ${state.stored.slug} at version ${state.stored.version}.`;
    ui.runSlug.value = state.stored.slug;
    await loadRunTargets();
    showBump();
    showMessage(ui, "Saved.", "ok");
  } catch (error) {
    report(error);
  }
}

// ---- running a command ----

/** Reads the commands and the active connections of the connector named in the run panel. */
async function loadRunTargets() {
  const slug = ui.runSlug.value.trim();
  if (!SLUG_SHAPE.test(slug) || readKey() === "") return;
  const mine = ++state.runGeneration;
  try {
    const path = `/api/v1/connectors/${encodeURIComponent(slug)}`;
    const [capabilities, { connector }] = await Promise.all([api(`${path}/capabilities`), api(path)]);
    if (mine !== state.runGeneration) return;
    state.runCommands = Array.isArray(capabilities.commands) ? capabilities.commands : [];
    // Only built-in connectors have mock scenarios (GetConnector's tools[].mockScenarios).
    state.runMocks =
      connector?.executionModel === "built_in"
        ? new Map(
            (Array.isArray(connector.tools) ? connector.tools : []).map((/** @type {any} */ t) => [
              str(t?.name),
              Array.isArray(t?.mockScenarios) ? t.mockScenarios.map(str) : [],
            ]),
          )
        : null;
    const chosen = ui.runCommand.value;
    ui.runCommand.replaceChildren(
      ...state.runCommands.map((c) =>
        el("option", { value: str(c.name), selected: c.name === chosen }, str(c.name)),
      ),
    );
    fillParams();
    const query = new URLSearchParams({ connectorSlug: slug, status: "active", pageSize: "100" });
    let connections = [];
    try {
      const listed = await api(`/api/v1/connections?${query}`);
      connections = Array.isArray(listed.connections) ? listed.connections : [];
    } catch (error) {
      // A key without the connections scope can still run by slug.
      if (!(error instanceof ApiError && error.status === 403)) throw error;
    }
    if (mine !== state.runGeneration) return;
    ui.runTarget.replaceChildren(
      el("option", { value: "" }, "no connection (by slug)"),
      ...connections.map((c) =>
        el("option", { value: str(c.id) }, `${str(c.label) || "connection"} (${str(c.id).slice(0, 8)})`),
      ),
    );
  } catch (error) {
    if (mine === state.runGeneration) report(error);
  }
}

/** Offers the chosen command's mock scenarios (built-in connectors only); none chosen runs for real. */
function fillMocks() {
  const names = state.runMocks?.get(ui.runCommand.value) ?? [];
  const chosen = ui.runMock.value;
  ui.runMock.replaceChildren(
    el("option", { value: "" }, "none: run for real"),
    ...names.map((name) => el("option", { value: name, selected: name === chosen }, name)),
  );
  ui.runMockField.hidden = state.runMocks === null;
  ui.runMockHint.hidden = state.runMocks === null;
}

/** Puts the chosen command's params, with their defaults, in the params box. */
function fillParams() {
  fillMocks();
  const command = state.runCommands.find((c) => c.name === ui.runCommand.value);
  /** @type {Record<string, unknown>} */
  const params = {};
  for (const param of command?.params ?? []) {
    if (param.spec?.default !== undefined) params[param.name] = param.spec.default;
    else if (param.spec?.required === true) params[param.name] = "";
  }
  ui.runParams.value = JSON.stringify(params, null, 2);
}

/**
 * A JSON object typed in a box, or a sentence naming the box when it is not one.
 * @param {HTMLTextAreaElement} box
 * @param {string} name
 */
function jsonObject(box, name) {
  try {
    const value = JSON.parse(box.value.trim() === "" ? "{}" : box.value);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return { value };
  } catch {
    // Said below.
  }
  return { problem: `${name} must be a JSON object, such as {"limit": 10}.` };
}

async function runCommand() {
  const slug = ui.runSlug.value.trim();
  const params = jsonObject(ui.runParams, "Params");
  const variables = jsonObject(ui.runVariables, "Variables");
  if (!SLUG_SHAPE.test(slug)) return showMessage(ui, "Name the connector to run (its slug).", "error");
  if ("problem" in params) return showMessage(ui, params.problem, "error");
  if ("problem" in variables) return showMessage(ui, variables.problem, "error");
  const key = readKey();
  if (key === "") return showMessage(ui, "Paste an API key with the execute scope first.", "error");
  const target = ui.runTarget.value;
  // The field is hidden for connectors without mock scenarios; a stale choice must not travel then.
  const mockScenario = ui.runMockField.hidden ? "" : ui.runMock.value;
  const path =
    target === ""
      ? `/api/v1/connectors/${encodeURIComponent(slug)}/execute`
      : `/api/v1/connections/${encodeURIComponent(target)}/execute`;
  ui.runResult.replaceChildren(el("p", { class: "hint" }, "Running…"));
  let response;
  try {
    // Not callApi: a failed command's answer carries ExecutionFailure (diagnostics, variables) in its
    // error details, which this page shows.
    response = await fetch(path, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        accept: "application/json",
        "content-type": "application/json",
      },
      body: JSON.stringify({
        command: ui.runCommand.value,
        params: params.value,
        variables: variables.value,
        metadata: {
          returnLogLines: true,
          ...(mockScenario === "" ? {} : { mockScenario }),
        },
      }),
      cache: "no-store",
      credentials: "omit",
      redirect: "error",
      referrerPolicy: "no-referrer",
    });
  } catch {
    ui.runResult.replaceChildren();
    return showMessage(
      ui,
      "Network error: Patchbay could not be reached; check that it is running.",
      "error",
    );
  }
  /** @type {any} */
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  clearMessage(ui);
  const deprecation = response.headers.get("x-patchbay-deprecated");
  if (response.ok) {
    ui.runResult.replaceChildren(
      el(
        "p",
        { id: "run-summary" },
        `Succeeded in ${Math.round(Number(data.durationMs ?? 0))} ms (execution ${str(data.executionId)})${mockScenario === "" ? "" : `, answered by mock scenario ${mockScenario}`}.`,
      ),
      ...(deprecation === null ? [] : [el("p", { class: "message error" }, `Deprecated: ${deprecation}`)]),
      el("h3", {}, "Payload"),
      jsonBlock("Payload", data.payload ?? {}),
      el("h3", {}, "Variables"),
      jsonBlock("Variables", data.variables ?? {}),
      ...logLines(data.logLines),
    );
    return;
  }
  if (response.status === 401 || response.status === 403) {
    ui.runResult.replaceChildren();
    return report(new ApiError(response.status, str(data.code), str(data.message)));
  }
  const failure = (Array.isArray(data.details) ? data.details : []).find(
    (/** @type {any} */ d) => d?.type === "patchbay.v1.ExecutionFailure",
  )?.debug;
  ui.runResult.replaceChildren(
    el(
      "p",
      { id: "run-summary", class: "message error" },
      `Failed (${response.status} ${str(data.code)}${failure?.errorCode ? `, ${failure.errorCode}` : ""}): ${str(data.message)}`,
    ),
    ...(failure === undefined
      ? []
      : [
          el("p", {}, `Failure class ${str(failure.failureClass)}; execution ${str(failure.executionId)}.`),
          el("h3", {}, "Diagnostics"),
          jsonBlock("Diagnostics", failure.diagnostics ?? {}),
          el("h3", {}, "Variables"),
          jsonBlock("Variables", failure.variables ?? {}),
          ...logLines(failure.logLines),
        ]),
  );
}

/**
 * The connector's log lines of a run (Execute's `log_lines`), as a list: level, message, fields.
 * @param {unknown} lines
 */
function logLines(lines) {
  const list = Array.isArray(lines) ? lines : [];
  return [
    el("h3", { id: "log-title" }, `Log lines (${list.length})`),
    list.length === 0
      ? el("p", { class: "hint" }, "The connector logged nothing.")
      : el(
          "ol",
          { id: "log-lines", class: "log-lines", "aria-labelledby": "log-title" },
          ...list.map((/** @type {any} */ line) => {
            const fields = line?.fields ?? {};
            return el(
              "li",
              { "data-level": str(line?.level) },
              el("span", { class: `badge level-${str(line?.level)}` }, str(line?.level)),
              ` ${str(line?.message)}`,
              ...(Object.keys(fields).length === 0
                ? []
                : [el("code", { class: "sub" }, JSON.stringify(fields))]),
            );
          }),
        ),
  ];
}

// ---- wiring ----

const form = createConnectorForm({ fieldList: ui.fields, commandList: ui.commands, onChange: changed });
const editor = createScriptEditor($("editor"), {
  label: "Script: one function per command; Control-Space completes the patchbay API",
  declared: form.declared,
  onChange: changed,
});

ui.load.addEventListener("click", () => loadConnector(ui.slug.value.trim()));
ui.slug.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !ui.slug.readOnly) loadConnector(ui.slug.value.trim());
});
ui.fresh.addEventListener("click", startNew);
ui.addField.addEventListener("click", () => form.addField());
ui.addCommand.addEventListener("click", () => form.addCommand());
for (const area of [ui.displayName, ui.description]) {
  area.addEventListener("input", changed);
  area.addEventListener("change", changed);
}
ui.save.addEventListener("click", save);
ui.runRefresh.addEventListener("click", loadRunTargets);
ui.runSlug.addEventListener("change", loadRunTargets);
ui.runCommand.addEventListener("change", fillParams);
ui.run.addEventListener("click", runCommand);

/** Opens what the address names: `?slug=` to edit a script connector, `?run=` to run any connector. */
function openFromAddress() {
  const query = new URLSearchParams(location.search);
  const slug = query.get("slug") ?? "";
  const run = query.get("run") ?? "";
  if (SLUG_SHAPE.test(slug)) loadConnector(slug);
  else if (SLUG_SHAPE.test(run)) {
    ui.runSlug.value = run;
    loadRunTargets();
  }
}

bindKeyControls(ui, { onKey: openFromAddress, onForget: () => ui.runResult.replaceChildren() });

startNew();
showKeyState(ui);
if (readKey() === "")
  showMessage(
    ui,
    "Paste an API key with the catalog:write and execute scopes to save and run connectors.",
    "info",
  );
else openFromAddress();
