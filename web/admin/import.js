// The import page: an OpenAPI description (pasted, uploaded or fetched by the server from a URL) becomes
// a draft connector to preview — commands, params, security fields, warnings — whose operations the
// operator chooses before creating it; a re-import of an existing connector shows the version it leads to
// and why first. Everything through Patchbay's REST API with the operator's key: CatalogService
// (ParseOpenApi, Create/UpdateConnector, GetConnector, ListConnectorVersions). Plain browser JavaScript,
// no build step; API values reach the page through textContent only.

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
import {
  capabilitiesOfSchema,
  cell,
  changesList,
  commandsTable,
  el,
  fact,
  fieldsTable,
  SLUG_RULE,
  SLUG_SHAPE,
  str,
} from "./connector-view.js";
import { $ } from "./console-ui.js";
import { bumpVersion, diffSchemas, requiredBump } from "./schema-diff.js";

const ui = {
  keyForm: /** @type {HTMLFormElement} */ ($("key-form")),
  keyInput: /** @type {HTMLInputElement} */ ($("api-key")),
  forgetKey: /** @type {HTMLButtonElement} */ ($("forget-key")),
  keyState: $("key-state"),
  message: $("message"),
  document: /** @type {HTMLTextAreaElement} */ ($("document")),
  file: /** @type {HTMLInputElement} */ ($("file")),
  url: /** @type {HTMLInputElement} */ ($("url")),
  slug: /** @type {HTMLInputElement} */ ($("import-slug")),
  preview: /** @type {HTMLButtonElement} */ ($("preview")),
  draft: $("draft"),
  draftTitle: $("draft-title"),
  facts: $("draft-facts"),
  warnings: $("warnings"),
  operations: $("operations"),
  selectAll: /** @type {HTMLButtonElement} */ ($("select-all")),
  selectNone: /** @type {HTMLButtonElement} */ ($("select-none")),
  commands: $("draft-commands"),
  fields: $("draft-fields"),
  consequenceTitle: $("consequence-title"),
  consequence: $("consequence"),
  create: /** @type {HTMLButtonElement} */ ($("create")),
  createResult: $("create-result"),
};

/**
 * The previewed draft (ParseOpenApi's answer) and, for a re-import, the stored connector it would
 * replace: its version and its current schema.
 * @type {{ parsed: any, existing: { version: string, schema: any } | null, generation: number }}
 */
// taken: the slug belongs to a connector of another kind, so nothing may be created under it.
const state = { parsed: null, existing: null, taken: false, generation: 0 };

const FAILURE_WORDS = {
  forbidden: "Permission denied (403): importing needs a key with the catalog:write scope.",
};

/** @param {string} path @param {{ method?: string, body?: unknown }} [options] */
function api(path, options = {}) {
  return callApi(path, {
    ...options,
    noKey: "Paste an API key with the catalog:write scope first.",
    unreachable: "Network error: Patchbay could not be reached; check that it is running, then try again.",
  });
}

/** @param {unknown} error */
function report(error) {
  showMessage(ui, describeFailure(error, FAILURE_WORDS), "error");
}

/** The operationIds ticked in the table. */
function chosenOperations() {
  return [...ui.operations.querySelectorAll("input[type=checkbox]")]
    .filter((box) => /** @type {HTMLInputElement} */ (box).checked)
    .map((box) => box.getAttribute("data-operation") ?? "");
}

/** The draft's schema narrowed to the chosen operations' commands. */
function chosenSchema() {
  const draft = state.parsed?.draft ?? {};
  const chosen = new Set(chosenOperations());
  const keep = new Set(
    (draft.operations ?? [])
      .filter((/** @type {any} */ op) => chosen.has(op.operationId))
      .map((/** @type {any} */ op) => op.command),
  );
  const commands = Object.fromEntries(
    Object.entries(draft.configSchema?.commands ?? {}).filter(([name]) => keep.has(name)),
  );
  return { connectionConfig: draft.configSchema?.connectionConfig ?? {}, commands };
}

/** The slug the connector gets: the one typed, else the draft's. */
function targetSlug() {
  const typed = ui.slug.value.trim();
  return typed !== "" ? typed : str(state.parsed?.draft?.name);
}

/** Shows the chosen commands and what creating (or re-importing) them does to the catalog. */
function showChoice() {
  const schema = chosenSchema();
  const slug = targetSlug();
  const commands = capabilitiesOfSchema(schema);
  ui.commands.replaceChildren(
    commands.length === 0
      ? el("p", { class: "hint" }, "No operation is chosen.")
      : commandsTable("Commands of the draft", commands),
  );
  const fields = schema.connectionConfig;
  ui.fields.replaceChildren(
    Object.keys(fields).length === 0
      ? el("p", { class: "hint" }, "None: the description declares no server variables or security schemes.")
      : fieldsTable("Connection fields of the draft", fields),
  );
  ui.create.disabled = commands.length === 0 || state.taken;
  if (state.taken) {
    ui.consequenceTitle.textContent = "What creating it does";
    ui.consequence.replaceChildren(
      el("p", { id: "consequence-summary" }, `Nothing: ${slug} is taken by a connector of another kind.`),
    );
    return;
  }
  if (state.existing === null) {
    ui.consequenceTitle.textContent = "What creating it does";
    ui.consequence.replaceChildren(
      el(
        "p",
        { id: "consequence-summary" },
        `Creates ${slug} at version ${str(state.parsed?.draft?.version) || "1.0.0"} with ${commands.length} command${commands.length === 1 ? "" : "s"}.`,
      ),
    );
    ui.create.textContent = "Create connector";
    return;
  }
  const changes = diffSchemas(state.existing.schema, schema);
  const bump = requiredBump(changes);
  ui.consequenceTitle.textContent = "What re-importing it does";
  ui.consequence.replaceChildren(
    el(
      "p",
      { id: "consequence-summary" },
      bump === "none"
        ? `${slug} exists at version ${state.existing.version}; its commands would not change (a changed request plan is still a patch).`
        : `${slug} exists at version ${state.existing.version}: re-importing is a ${bump} change, to ${bumpVersion(state.existing.version, bump)}, because:`,
    ),
    changesList(changes),
  );
  ui.create.textContent = "Re-import into the existing connector";
}

/** @param {any} parsed ParseOpenApi's answer */
function showDraft(parsed) {
  const draft = parsed.draft ?? {};
  ui.draftTitle.textContent = `Draft: ${str(draft.name)}`;
  ui.facts.replaceChildren(
    ...fact("Slug", targetSlug()),
    ...fact("Version", str(draft.version) || "1.0.0"),
    ...fact("Description", str(draft.description) || "—"),
  );
  const warnings = Array.isArray(parsed.warnings) ? parsed.warnings : [];
  ui.warnings.replaceChildren(
    ...(warnings.length === 0
      ? []
      : [
          el("h3", { id: "warnings-title" }, `Warnings (${warnings.length})`),
          el(
            "ul",
            { id: "warning-list", "aria-labelledby": "warnings-title" },
            ...warnings.map((w) => el("li", {}, str(w))),
          ),
        ]),
  );
  ui.operations.replaceChildren(
    ...(draft.operations ?? []).map((/** @type {any} */ op) => {
      const box = el("input", { type: "checkbox", checked: true, "data-operation": str(op.operationId) });
      box.setAttribute("aria-label", `Use ${str(op.method)} ${str(op.path)} (${str(op.command)})`);
      box.addEventListener("change", showChoice);
      const row = el("tr", { "data-operation": str(op.operationId) });
      row.append(
        cell("Use", box),
        cell("Method and path", el("span", { class: "mono" }, `${str(op.method)} ${str(op.path)}`)),
        cell("Command", el("span", { class: "mono" }, str(op.command))),
        cell("Summary", str(op.summary) || "—"),
      );
      return row;
    }),
  );
  ui.createResult.replaceChildren();
  ui.draft.hidden = false;
  showChoice();
  ui.draftTitle.focus();
}

/** The stored connector a re-import would replace, or null when the slug is free. @param {string} slug */
async function findExisting(slug) {
  if (!SLUG_SHAPE.test(slug)) return null;
  try {
    const path = `/api/v1/connectors/${encodeURIComponent(slug)}`;
    const { connector } = await api(path);
    const { versions } = await api(`${path}/versions`);
    const current = (Array.isArray(versions) ? versions : []).find((v) => v.version === connector?.version);
    return {
      version: str(connector?.version),
      model: str(connector?.executionModel),
      schema: current?.configSchema ?? {},
    };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

async function preview() {
  const text = ui.document.value;
  const url = ui.url.value.trim();
  const slug = ui.slug.value.trim();
  if (slug !== "" && !SLUG_SHAPE.test(slug)) {
    showMessage(ui, SLUG_RULE, "error");
    return;
  }
  if (text.trim() === "" && url === "") {
    showMessage(ui, "Paste a document, upload a file or give a URL first.", "error");
    return;
  }
  /** @type {Record<string, unknown>} */
  const body = text.trim() !== "" ? { document: text } : { url };
  if (slug !== "") body.name = slug;
  const mine = ++state.generation;
  // The draft on screen is the previous document's until the answer comes: nothing may act on it.
  ui.draft.hidden = true;
  state.parsed = null;
  showMessage(ui, "Reading the description…", "info");
  try {
    const parsed = await api("/api/v1/connectors/parse-oas", { method: "POST", body });
    const existing = await findExisting(slug !== "" ? slug : str(parsed.draft?.name));
    if (mine !== state.generation) return;
    if (existing !== null && existing.model !== "openapi") {
      showMessage(
        ui,
        `A ${existing.model} connector is called ${slug || parsed.draft?.name} already: choose another slug.`,
        "error",
      );
      state.existing = null;
      state.taken = true;
      state.parsed = parsed;
      showDraft(parsed);
      return;
    }
    state.parsed = parsed;
    state.existing = existing;
    state.taken = false;
    clearMessage(ui);
    showDraft(parsed);
  } catch (error) {
    if (mine === state.generation) report(error);
  }
}

async function create() {
  const parsed = state.parsed;
  if (parsed === null) return;
  const operations = chosenOperations();
  const slug = targetSlug();
  try {
    if (state.existing === null) {
      const answer = await api("/api/v1/connectors", {
        method: "POST",
        body: { ...parsed.createRequest, name: slug, operations },
      });
      const warnings = Array.isArray(answer.warnings) ? answer.warnings.length : 0;
      ui.createResult.replaceChildren(
        el(
          "p",
          { id: "create-summary" },
          `Created ${str(answer.connector?.slug)} at version ${str(answer.connector?.version)} with ${operations.length} command${operations.length === 1 ? "" : "s"}${warnings === 0 ? "" : `, ${warnings} warning${warnings === 1 ? "" : "s"}`}.`,
        ),
        el("a", { href: `/admin/catalog?slug=${encodeURIComponent(slug)}` }, "See it in the catalog"),
      );
    } else {
      // auto_bump: the server applies the floor its rules compute, which the page showed beforehand.
      const answer = await api(`/api/v1/connectors/${encodeURIComponent(slug)}`, {
        method: "PUT",
        body: { openapiDocument: parsed.createRequest?.openapiDocument, operations, autoBump: true },
      });
      ui.createResult.replaceChildren(
        el(
          "p",
          { id: "create-summary" },
          `Re-imported ${slug}: version ${str(answer.previousVersion)} → ${str(answer.connector?.version)}, a ${str(answer.requiredBump) || "none"} change.`,
        ),
        el("a", { href: `/admin/catalog?slug=${encodeURIComponent(slug)}` }, "See it in the catalog"),
      );
    }
    state.existing = await findExisting(slug);
    showMessage(ui, "Saved.", "ok");
    showChoice();
  } catch (error) {
    report(error);
  }
}

// ---- wiring ----

ui.file.addEventListener("change", async () => {
  const file = ui.file.files?.[0];
  if (file === undefined) return;
  ui.document.value = await file.text();
  ui.url.value = "";
  showMessage(ui, `Read ${file.name}; choose Preview.`, "info");
});
ui.url.addEventListener("input", () => {
  if (ui.url.value.trim() !== "") ui.document.value = "";
});
ui.preview.addEventListener("click", () => {
  if (readKey() === "")
    return showMessage(ui, "Paste an API key with the catalog:write scope first.", "error");
  preview();
});
ui.slug.addEventListener("change", () => {
  if (state.parsed !== null) preview();
});
/** Ticks every operation, or none. @param {boolean} checked */
function chooseAll(checked) {
  for (const box of ui.operations.querySelectorAll("input[type=checkbox]")) {
    if (box instanceof HTMLInputElement) box.checked = checked;
  }
  showChoice();
}
ui.selectAll.addEventListener("click", () => chooseAll(true));
ui.selectNone.addEventListener("click", () => chooseAll(false));
ui.create.addEventListener("click", create);

bindKeyControls(ui, { onKey: () => clearMessage(ui), onForget: () => (ui.draft.hidden = true) });

const fromAddress = new URLSearchParams(location.search).get("slug") ?? "";
if (SLUG_SHAPE.test(fromAddress)) ui.slug.value = fromAddress;
showKeyState(ui);
if (readKey() === "")
  showMessage(ui, "Paste an API key with the catalog:write scope to import connectors.", "info");
