// The credentials form of an API-key connection, built from its connector's credential fields
// (CatalogService's CredentialField, as proto JSON), and the values it holds, for SubmitCredentials.
// Plain browser JavaScript, no build step.
//
// Security rule this file keeps: labels, help and options reach the page as text, never as HTML.

import { el, str, strings } from "./console-ui.js";

/**
 * One input for a credential field of the connector (proto JSON of CredentialField).
 * @param {any} field
 */
export function credentialInput(field) {
  const key = str(field.key);
  const id = `credential-${key.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  const type = str(field.type);
  const description = str(field.description);
  /** @type {HTMLInputElement | HTMLSelectElement} */
  let input;
  if (type === "select") {
    input = el(
      "select",
      { id },
      ...strings(field.options).map((option) => el("option", { value: option }, option)),
    );
  } else {
    input = el("input", { id, spellcheck: "false", autocomplete: "off" });
    input.type =
      field.secret === true || type === "secret" ? "password" : type === "number" ? "number" : "text";
    if (type === "boolean") input.type = "checkbox";
    if (str(field.placeholder) !== "") input.placeholder = str(field.placeholder);
  }
  input.dataset.key = key;
  input.dataset.type = type;
  if (field.required === true) input.required = true;
  const label = el("label", { for: id }, str(field.label) || key);
  if (field.required === true) label.append(el("span", { class: "hint" }, " (required)"));
  const wrapper = el("div", { class: "field" }, label, input);
  if (description !== "") {
    const help = el("span", { class: "hint", id: `${id}-help` }, description);
    input.setAttribute("aria-describedby", help.id);
    wrapper.append(help);
  }
  return wrapper;
}

/**
 * The values of a form made of {@link credentialInput}s, keyed by credential key: numbers as numbers,
 * booleans as booleans, empty fields left out (the connector's rules say which are required).
 * @param {HTMLElement} container
 * @returns {Record<string, unknown>}
 */
export function credentialValues(container) {
  /** @type {Record<string, unknown>} */
  const values = {};
  for (const element of container.querySelectorAll("input, select")) {
    const field = /** @type {HTMLInputElement} */ (element);
    const key = field.dataset.key ?? "";
    if (field.dataset.type === "boolean") values[key] = field.checked;
    else if (field.value !== "")
      values[key] = field.dataset.type === "number" ? Number(field.value) : field.value;
  }
  return values;
}
