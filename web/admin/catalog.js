// The catalog page: browse and search the connectors a key sees (built-in, script, OpenAPI, external),
// with each one's commands, connection fields, deprecations, availability and why, and its versions.
// Everything through Patchbay's REST API with the operator's key (CatalogService, scope catalog:read).
// Plain browser JavaScript, no build step; API values reach the page through textContent only.

import {
  bindKeyControls,
  callApi,
  clearMessage,
  describeFailure,
  isAuthError,
  readKey,
  showKeyState,
  showMessage,
} from "./admin-common.js";
import { changesList, commandsTable, el, fact, fieldsTable, SLUG_SHAPE, str } from "./connector-view.js";
import { $ } from "./console-ui.js";
import { diffSchemas, requiredBump } from "./schema-diff.js";

const ui = {
  keyForm: /** @type {HTMLFormElement} */ ($("key-form")),
  keyInput: /** @type {HTMLInputElement} */ ($("api-key")),
  forgetKey: /** @type {HTMLButtonElement} */ ($("forget-key")),
  keyState: $("key-state"),
  message: $("message"),
  searchForm: /** @type {HTMLFormElement} */ ($("search-form")),
  search: /** @type {HTMLInputElement} */ ($("search")),
  model: /** @type {HTMLSelectElement} */ ($("model-filter")),
  availability: /** @type {HTMLSelectElement} */ ($("availability-filter")),
  summary: $("list-summary"),
  list: $("connectors"),
  more: /** @type {HTMLButtonElement} */ ($("more")),
  detail: $("detail"),
  detailTitle: $("detail-title"),
  detailDescription: $("detail-description"),
  detailFacts: $("detail-facts"),
  detailActions: $("detail-actions"),
  detailCommands: $("detail-commands"),
  detailFields: $("detail-fields"),
  detailVersions: $("detail-versions"),
};

/** The newest list load and detail load win; older answers are dropped. */
const state = { listGeneration: 0, detailGeneration: 0, nextPageToken: "", shown: 0 };

const MODEL_NAMES = { built_in: "built-in", script: "script", openapi: "OpenAPI", external: "external" };

const FAILURE_WORDS = {
  forbidden:
    "Permission denied (403): this key may not read the catalog. Use a key with the catalog:read scope.",
};

/** @param {string} path */
function api(path) {
  return callApi(path, {
    noKey: "Paste an API key with the catalog:read scope first.",
    unreachable: "Network error: Patchbay could not be reached; check that it is running, then search again.",
  });
}

/** @param {unknown} error */
function report(error) {
  showMessage(ui, describeFailure(error, FAILURE_WORDS), "error");
  if (isAuthError(error)) clearData();
}

function clearData() {
  state.listGeneration++;
  state.detailGeneration++;
  ui.list.replaceChildren();
  ui.summary.textContent = "";
  ui.more.hidden = true;
  ui.detail.hidden = true;
}

// ---- the list ----

/** @param {any} connector */
function availabilityBadge(connector) {
  const availability = str(connector.availability) || "available";
  return el(
    "span",
    { class: `badge ${availability === "available" ? "badge-available" : "badge-unavailable"}` },
    availability.replace("_", " "),
  );
}

/** @param {any} connector */
function listItem(connector) {
  const slug = str(connector.slug);
  const model = /** @type {Record<string, string>} */ (MODEL_NAMES)[str(connector.executionModel)] ?? "";
  const button = el(
    "button",
    { type: "button", "aria-pressed": "false", "data-slug": slug },
    el("span", {}, el("strong", {}, str(connector.name) || slug), " ", availabilityBadge(connector)),
    el(
      "span",
      { class: "sub" },
      `${slug} · ${model} · ${str(connector.version)}${connector.deprecated === true ? " · deprecated" : ""}`,
    ),
  );
  button.addEventListener("click", () => openConnector(slug));
  return el("li", {}, button);
}

/**
 * Loads a page of the catalog (the first, or the next after `pageToken`) and shows it.
 * @param {boolean} append
 */
async function loadList(append) {
  if (readKey() === "") return;
  const mine = ++state.listGeneration;
  const query = new URLSearchParams({ pageSize: "50" });
  if (ui.search.value.trim() !== "") query.set("q", ui.search.value.trim().slice(0, 200));
  if (ui.availability.value !== "") query.set("availability", ui.availability.value);
  if (append && state.nextPageToken !== "") query.set("pageToken", state.nextPageToken);
  try {
    const data = await api(`/api/v1/connectors?${query}`);
    if (mine !== state.listGeneration) return;
    const model = ui.model.value;
    // The API filters by text and availability; the kind is picked here, from the page it answered.
    const connectors = (Array.isArray(data.connectors) ? data.connectors : []).filter(
      (/** @type {any} */ c) => model === "" || c.executionModel === model,
    );
    if (!append) {
      ui.list.replaceChildren();
      state.shown = 0;
    }
    ui.list.append(...connectors.map(listItem));
    state.shown += connectors.length;
    state.nextPageToken = str(data.nextPageToken);
    ui.more.hidden = state.nextPageToken === "";
    ui.summary.textContent =
      state.shown === 0
        ? "No connector matches."
        : `${state.shown} connector${state.shown === 1 ? "" : "s"}${ui.more.hidden ? "" : " so far"}.`;
    clearMessage(ui);
  } catch (error) {
    if (mine === state.listGeneration) report(error);
  }
}

// ---- one connector ----

/** @param {any} connector */
function facts(connector) {
  const availability = str(connector.availability) || "available";
  const why = str(connector.availabilityReason);
  const rows = [
    ...fact("Slug", str(connector.slug)),
    ...fact(
      "Kind",
      /** @type {Record<string, string>} */ (MODEL_NAMES)[str(connector.executionModel)] ?? "—",
    ),
    ...fact("Version", str(connector.version) || "—"),
    ...fact("Auth", str(connector.authType) || "none"),
    ...fact(
      "Availability",
      why === "" ? availability.replace("_", " ") : `${availability.replace("_", " ")}: ${why}`,
    ),
    ...fact("Deprecated", connector.deprecated === true ? "yes: new connections are discouraged" : "no"),
    ...fact(
      "Shared",
      connector.builtIn === true
        ? "ships with Patchbay"
        : connector.published === true
          ? "published to every tenant"
          : "this tenant only",
    ),
  ];
  if (str(connector.category) !== "") rows.push(...fact("Category", connector.category));
  if (Array.isArray(connector.tags) && connector.tags.length > 0)
    rows.push(...fact("Tags", connector.tags.join(", ")));
  if (str(connector.endpointUrl) !== "") rows.push(...fact("Endpoint", connector.endpointUrl));
  if (str(connector.agentPool) !== "") rows.push(...fact("Agent pool", connector.agentPool));
  if (str(connector.mockScenario) !== "") rows.push(...fact("Mock scenario", connector.mockScenario));
  if (str(connector.updateTime) !== "")
    rows.push(...fact("Changed", connector.updateTime.replace("T", " ").replace(/\.\d+Z$/, "Z")));
  return rows;
}

/** @param {any} connector */
function actions(connector) {
  const slug = encodeURIComponent(str(connector.slug));
  const links = [];
  if (connector.executionModel === "script")
    links.push(el("a", { href: `/admin/build?slug=${slug}` }, "Edit and run in Build"));
  else if (connector.builtIn !== true || connector.authType === "none")
    links.push(el("a", { href: `/admin/build?run=${slug}` }, "Run a command in Build"));
  if (connector.executionModel === "openapi")
    links.push(el("a", { href: `/admin/import?slug=${slug}` }, "Re-import from OpenAPI"));
  return links;
}

/**
 * The versions list and the diff between two of them, chosen in two selects.
 * @param {string} slug
 * @param {any[]} versions ListConnectorVersions' `versions`, newest first
 */
function versionsView(slug, versions) {
  if (versions.length === 0) return [el("p", { class: "hint" }, "No versions are recorded.")];
  const items = versions.map((v) =>
    el(
      "li",
      {},
      el("span", { class: "mono" }, str(v.version)),
      ` · ${str(v.createTime)
        .replace("T", " ")
        .replace(/\.\d+Z$/, "Z")}`,
    ),
  );
  const nodes = [el("ul", { id: "version-list", class: "plain" }, ...items)];
  if (versions.length < 2) return nodes;
  /** @param {string} id @param {string} label @param {number} chosen */
  const select = (id, label, chosen) => {
    const control = el("select", { id });
    control.append(
      ...versions.map((v, index) =>
        el("option", { value: String(index), selected: index === chosen }, str(v.version)),
      ),
    );
    return {
      control: /** @type {HTMLSelectElement} */ (control),
      field: el("div", { class: "field" }, el("label", { for: id }, label), control),
    };
  };
  const from = select("diff-from", "From version", 1);
  const to = select("diff-to", "To version", 0);
  const result = el("div", { id: "version-diff", "aria-live": "polite" });
  const show = () => {
    const a = versions[Number(from.control.value)];
    const b = versions[Number(to.control.value)];
    const changes = diffSchemas(a?.configSchema, b?.configSchema);
    const bump = requiredBump(changes);
    result.replaceChildren(
      el(
        "p",
        {},
        changes.length === 0
          ? `No schema change from ${str(a?.version)} to ${str(b?.version)}.`
          : `From ${str(a?.version)} to ${str(b?.version)}: ${changes.length} change${changes.length === 1 ? "" : "s"}, a ${bump} change by the versioning rules.`,
      ),
      changesList(changes),
    );
    if (
      a?.scriptSource !== b?.scriptSource &&
      (a?.scriptSource !== undefined || b?.scriptSource !== undefined)
    )
      result.append(el("p", { class: "hint" }, "The script source differs too."));
  };
  from.control.addEventListener("change", show);
  to.control.addEventListener("change", show);
  show();
  nodes.push(
    el(
      "div",
      { class: "row", role: "group", "aria-label": `Compare two versions of ${slug}` },
      from.field,
      to.field,
    ),
    result,
  );
  return nodes;
}

/**
 * Shows one connector: what the catalog says, its capabilities and its versions.
 * @param {string} slug
 */
async function openConnector(slug) {
  if (!SLUG_SHAPE.test(slug)) return;
  const mine = ++state.detailGeneration;
  for (const button of ui.list.querySelectorAll("button[data-slug]"))
    button.setAttribute("aria-pressed", String(button.getAttribute("data-slug") === slug));
  try {
    const path = `/api/v1/connectors/${encodeURIComponent(slug)}`;
    const [{ connector }, capabilities, versions] = await Promise.all([
      api(path),
      api(`${path}/capabilities`),
      api(`${path}/versions`),
    ]);
    if (mine !== state.detailGeneration) return;
    ui.detailTitle.textContent = str(connector?.name) || slug;
    ui.detailDescription.textContent = str(connector?.description);
    ui.detailFacts.replaceChildren(...facts(connector ?? {}));
    ui.detailActions.replaceChildren(...actions(connector ?? {}));
    const commands = Array.isArray(capabilities.commands) ? capabilities.commands : [];
    ui.detailCommands.replaceChildren(
      commands.length === 0
        ? el("p", { class: "hint" }, "No commands.")
        : commandsTable(`Commands of ${slug}`, commands),
    );
    const fields = capabilities.connectionConfig ?? {};
    ui.detailFields.replaceChildren(
      Object.keys(fields).length === 0
        ? el("p", { class: "hint" }, "None: the connector needs no connection settings.")
        : fieldsTable(`Connection fields of ${slug}`, fields),
    );
    ui.detailVersions.replaceChildren(
      ...versionsView(slug, Array.isArray(versions.versions) ? versions.versions : []),
    );
    ui.detail.hidden = false;
    history.replaceState(null, "", `/admin/catalog?slug=${encodeURIComponent(slug)}`);
    ui.detailTitle.focus();
    clearMessage(ui);
  } catch (error) {
    if (mine === state.detailGeneration) report(error);
  }
}

// ---- wiring ----

ui.searchForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (readKey() === "") {
    showMessage(ui, "Paste an API key with the catalog:read scope first.", "error");
    return;
  }
  loadList(false);
});
ui.model.addEventListener("change", () => loadList(false));
ui.availability.addEventListener("change", () => loadList(false));
ui.more.addEventListener("click", () => loadList(true));

/** Opens the connector the address names (`?slug=`), if any. */
function openFromAddress() {
  const slug = new URLSearchParams(location.search).get("slug") ?? "";
  if (SLUG_SHAPE.test(slug)) openConnector(slug);
}

bindKeyControls(ui, {
  onKey: () => {
    clearData();
    loadList(false);
    openFromAddress();
  },
  onForget: clearData,
});

showKeyState(ui);
if (readKey() === "")
  showMessage(ui, "Paste an API key with the catalog:read scope to browse the catalog.", "info");
else {
  loadList(false);
  openFromAddress();
}
