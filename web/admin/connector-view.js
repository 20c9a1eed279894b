// What the console's connector pages (catalog, build, import) show alike: a connector's commands with
// their params, effect hints and deprecations, its connection fields, and a list of schema changes with
// their version bumps. Plain browser JavaScript, no build step; every value from the API reaches the page
// through textContent or an attribute, never as HTML.

import { el, str } from "./console-ui.js";

// The pages that import them from here get the console's one element maker and one reading of a proto
// JSON string field.
export { el, str };

/**
 * A FieldSpec in a few words: "number, required, default 50" or "secret".
 * @param {any} spec
 */
export function describeField(spec) {
  const field = spec ?? {};
  const words = [str(field.type) || "string"];
  if (field.required === true) words.push("required");
  if (field.secret === true && field.type !== "secret") words.push("secret");
  if (field.default !== undefined) words.push(`default ${JSON.stringify(field.default)}`);
  if (Array.isArray(field.options) && field.options.length > 0)
    words.push(`one of ${field.options.join(", ")}`);
  return words.join(", ");
}

/** A connector slug as the server accepts it (src/catalog/slug.ts). */
export const SLUG_SHAPE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** What the slug rule says, for the pages' messages. */
export const SLUG_RULE =
  "The slug must be 1–64 lower-case letters, digits and dashes, not starting or ending with a dash.";

/**
 * A table cell; `label` names the column where the narrow layout hides the table head.
 * @param {string} label
 * @param {...(string | Node)} content
 */
export function cell(label, ...content) {
  const td = el("td", { "data-label": label });
  td.append(el("div", {}, ...content));
  return td;
}

/**
 * A term and its value in a description list.
 * @param {string} term
 * @param {string | Node} value
 */
export function fact(term, value) {
  return [el("dt", {}, term), el("dd", {}, value)];
}

/**
 * @param {string} caption
 * @param {string[]} columns
 * @param {HTMLTableRowElement[]} rows
 */
function table(caption, columns, rows) {
  const result = el("table", { class: "data cards" });
  result.append(el("caption", { class: "visually-hidden" }, caption));
  const head = result.createTHead().insertRow();
  for (const column of columns) head.append(el("th", { scope: "col" }, column));
  result.createTBody().append(...rows);
  return result;
}

/** The hints a command declares, as words. @param {any} command */
function effects(command) {
  const words = [];
  if (command.readOnly === true) words.push("read-only");
  if (command.destructive === true) words.push("destructive");
  if (command.idempotent === true) words.push("idempotent");
  return words.join(", ") || "—";
}

/**
 * A connector's commands (GetCapabilities' `commands`, or {@link capabilitiesOfSchema} of a draft).
 * @param {string} caption
 * @param {any[]} commands
 */
export function commandsTable(caption, commands) {
  const rows = commands.map((command) => {
    const name = [el("span", { class: "mono" }, str(command.name))];
    if (command.deprecated === true) {
      name.push(" ", el("span", { class: "badge badge-deprecated" }, "deprecated"));
      if (str(command.deprecatedMessage) !== "")
        name.push(el("span", { class: "sub" }, command.deprecatedMessage));
    }
    const params = (Array.isArray(command.params) ? command.params : []).map((/** @type {any} */ param) =>
      el("li", {}, el("span", { class: "mono" }, str(param.name)), ` (${describeField(param.spec)})`),
    );
    const row = el("tr", { "data-command": str(command.name) });
    row.append(
      cell("Command", ...name),
      cell("Description", str(command.description) || "—"),
      cell("Params", params.length === 0 ? "none" : el("ul", { class: "plain" }, ...params)),
      cell("Outputs", (Array.isArray(command.outputs) ? command.outputs : []).join(", ") || "—"),
      cell("Effects", effects(command)),
      cell("Since", str(command.addedInVersion) || "—"),
    );
    return /** @type {HTMLTableRowElement} */ (row);
  });
  return table(caption, ["Command", "Description", "Params", "Outputs", "Effects", "Since"], rows);
}

/**
 * Connection fields by name (GetCapabilities' or a schema's `connectionConfig`).
 * @param {string} caption
 * @param {Record<string, any>} fields
 */
export function fieldsTable(caption, fields) {
  const rows = Object.entries(fields).map(([name, spec]) => {
    const row = el("tr", { "data-field": name });
    row.append(
      cell("Field", el("span", { class: "mono" }, name)),
      cell("Kind", describeField(spec)),
      cell("Description", str(spec?.description) || str(spec?.label) || "—"),
    );
    return /** @type {HTMLTableRowElement} */ (row);
  });
  return table(caption, ["Field", "Kind", "Description"], rows);
}

/**
 * A schema's commands as GetCapabilities lists them (name order, params in declared order).
 * @param {any} schema a ConfigSchema JSON
 */
export function capabilitiesOfSchema(schema) {
  const commands = schema?.commands ?? {};
  return Object.keys(commands)
    .sort()
    .map((name) => {
      const command = commands[name] ?? {};
      const paramSchema = command.paramSchema ?? {};
      return {
        ...command,
        name,
        params: (Array.isArray(command.params) ? command.params : []).map((/** @type {string} */ param) => ({
          name: param,
          spec: paramSchema[param] ?? { type: "string" },
        })),
      };
    });
}

/**
 * Schema changes with their bumps, as a list.
 * @param {{ bump: string, text: string }[]} changes
 */
export function changesList(changes) {
  return el(
    "ul",
    { class: "changes" },
    ...changes.map((change) =>
      el(
        "li",
        { "data-bump": change.bump },
        el("span", { class: `badge bump-${change.bump}` }, change.bump),
        ` ${change.text}`,
      ),
    ),
  );
}

/**
 * A value as indented JSON, in a <pre> (textContent).
 * @param {string} label names the block for assistive technology
 * @param {unknown} value
 */
export function jsonBlock(label, value) {
  return el(
    "pre",
    { class: "json", tabindex: 0, role: "region", "aria-label": label },
    JSON.stringify(value ?? {}, null, 2),
  );
}
