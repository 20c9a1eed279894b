// The build page's form: a script connector's connection fields and commands (with their params, outputs
// and effect hints), read back as the schema (proto JSON `{connectionConfig, commands}`) CreateConnector
// and UpdateConnector take. Plain browser JavaScript; values reach the page as input values and text.

import { el, str } from "./connector-view.js";

/** A name the script can read: a connection field, a command (its function), a param. */
const NAME_SHAPE = /^[A-Za-z_$][\w$]*$/;
/** FieldSpec.type's vocabulary. */
const FIELD_TYPES = ["string", "secret", "number", "boolean", "date", "select", "raw"];

/**
 * The form inside two containers; `onChange` runs on every edit, addition and removal.
 * @param {{ fieldList: HTMLElement, commandList: HTMLElement, onChange: () => void }} options
 */
export function createConnectorForm({ fieldList, commandList, onChange }) {
  let ids = 0;
  const nextId = (/** @type {string} */ prefix) => `${prefix}-${++ids}`;

  /**
   * A labelled input.
   * @param {string} label
   * @param {HTMLElement} control
   */
  function labelled(label, control) {
    control.id = nextId("f");
    return el("div", { class: "field" }, el("label", { for: control.id }, label), control);
  }

  /** @param {string} label @param {boolean} checked @param {string} role */
  function checkbox(label, checked, role) {
    const input = /** @type {HTMLInputElement} */ (el("input", { type: "checkbox", checked, class: role }));
    input.id = nextId("c");
    return el("div", { class: "field check" }, el("label", { for: input.id }, input, ` ${label}`));
  }

  /** @param {string} role @param {string} value */
  function typeSelect(role, value) {
    const select = el("select", { class: role });
    select.append(
      ...FIELD_TYPES.map((type) => el("option", { value: type, selected: type === value }, type)),
    );
    return select;
  }

  /** @param {string} role @param {string} value @param {Record<string, string | number | boolean>} [more] */
  function text(role, value, more = {}) {
    return el("input", { class: role, value, autocomplete: "off", spellcheck: "false", ...more });
  }

  /** A "Remove" button that removes `block` and moves focus to what follows it. @param {HTMLElement} block @param {string} what */
  function removeButton(block, what) {
    const button = el("button", { type: "button", class: "remove" }, "Remove");
    button.setAttribute("aria-label", `Remove ${what}`);
    button.addEventListener("click", () => {
      const next = /** @type {HTMLElement | null} */ (
        block.nextElementSibling ?? block.parentElement?.nextElementSibling ?? null
      );
      block.remove();
      onChange();
      next?.querySelector("input, button")?.focus?.();
    });
    return button;
  }

  /**
   * A connection field's row.
   * @param {string} name
   * @param {any} spec
   */
  function fieldBlock(name, spec = {}) {
    const number = fieldList.children.length + 1;
    const block = el("fieldset", { class: "conn-field" });
    block.append(
      el("legend", {}, `Connection field ${number}`),
      el(
        "div",
        { class: "row" },
        labelled("Name", text("name", name, { placeholder: "baseUrl" })),
        labelled("Type", typeSelect("type", str(spec.type) || "string")),
        labelled("Description", text("description", str(spec.description))),
        labelled("Options (for select, comma-separated)", text("options", (spec.options ?? []).join(", "))),
        checkbox("required", spec.required === true, "required"),
        checkbox("secret", spec.secret === true || spec.type === "secret", "secret"),
      ),
    );
    block.append(removeButton(block, `connection field ${number}`));
    return block;
  }

  /**
   * A param's row inside a command.
   * @param {string} name
   * @param {any} spec
   */
  function paramBlock(name, spec = {}) {
    const block = el("div", { class: "param row" });
    block.append(
      labelled("Param name", text("name", name, { placeholder: "limit" })),
      labelled("Param type", typeSelect("type", str(spec.type) || "string")),
      labelled(
        "Default (JSON or text)",
        text("default", spec.default === undefined ? "" : JSON.stringify(spec.default)),
      ),
      checkbox("required", spec.required === true, "required"),
    );
    block.append(removeButton(block, `param ${name || "(unnamed)"}`));
    return block;
  }

  /**
   * A command's block: name, description, outputs, effect hints and params.
   * @param {string} name
   * @param {any} command a CommandSpec JSON
   */
  function commandBlock(name, command = {}) {
    const number = commandList.children.length + 1;
    const block = el("fieldset", { class: "command-spec" });
    const params = el("div", { class: "params form-list" });
    const schema = command.paramSchema ?? {};
    for (const param of Array.isArray(command.params) ? command.params : [])
      params.append(paramBlock(param, schema[param]));
    const addParam = el("button", { type: "button" }, "Add param");
    addParam.setAttribute("aria-label", `Add param to command ${number}`);
    addParam.addEventListener("click", () => {
      const row = paramBlock("", {});
      params.append(row);
      row.querySelector("input")?.focus();
      onChange();
    });
    block.append(
      el("legend", {}, `Command ${number}`),
      el(
        "div",
        { class: "row" },
        labelled("Command name", text("name", name, { placeholder: "listContacts" })),
        labelled("Description", text("description", str(command.description), { size: 30 })),
        labelled("Outputs (comma-separated)", text("outputs", (command.outputs ?? []).join(", "))),
      ),
      el(
        "div",
        { class: "row", role: "group", "aria-label": `Effect hints of command ${number}` },
        checkbox("read-only", command.readOnly === true, "read-only"),
        checkbox("destructive", command.destructive === true, "destructive"),
        checkbox("idempotent", command.idempotent === true, "idempotent"),
        checkbox("deprecated", command.deprecated === true, "deprecated"),
      ),
      params,
      el("div", { class: "row" }, addParam, removeButton(block, `command ${number}`)),
    );
    return block;
  }

  /** @param {Element} scope @param {string} role */
  const readValue = (scope, role) =>
    /** @type {HTMLInputElement | HTMLSelectElement | null} */ (
      scope.querySelector(`:scope .${role}`)
    )?.value.trim() ?? "";
  /** @param {Element} scope @param {string} role */
  const isChecked = (scope, role) =>
    /** @type {HTMLInputElement | null} */ (scope.querySelector(`:scope .${role}`))?.checked === true;
  /** @param {string} value */
  const csv = (value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");

  /**
   * A default as typed: JSON when it reads as JSON (50, true, "x"), else the text itself.
   * @param {string} typed
   */
  function defaultOf(typed) {
    if (typed === "") return undefined;
    try {
      return JSON.parse(typed);
    } catch {
      return typed;
    }
  }

  /**
   * The schema the form declares (proto JSON), or the first thing wrong with it.
   * @returns {{ schema: any } | { problem: string }}
   */
  function collectSchema() {
    /** @type {Record<string, any>} */
    const connectionConfig = {};
    for (const block of fieldList.querySelectorAll(":scope > .conn-field")) {
      const name = readValue(block, "name");
      if (!NAME_SHAPE.test(name))
        return { problem: `Connection field name "${name}" is not a valid name (letters, digits, _).` };
      if (name in connectionConfig) return { problem: `Connection field "${name}" is declared twice.` };
      const type = readValue(block, "type");
      const options = csv(readValue(block, "options"));
      connectionConfig[name] = {
        type,
        required: isChecked(block, "required") || undefined,
        secret: isChecked(block, "secret") || type === "secret" || undefined,
        description: readValue(block, "description") || undefined,
        options: options.length > 0 ? options : undefined,
      };
    }
    /** @type {Record<string, any>} */
    const commands = {};
    for (const block of commandList.querySelectorAll(":scope > .command-spec")) {
      const name = readValue(block, "name");
      if (!NAME_SHAPE.test(name)) return { problem: `Command name "${name}" is not a valid function name.` };
      if (name in commands) return { problem: `Command "${name}" is declared twice.` };
      /** @type {string[]} */
      const params = [];
      /** @type {Record<string, any>} */
      const paramSchema = {};
      for (const row of block.querySelectorAll(".param")) {
        const param = readValue(row, "name");
        if (!NAME_SHAPE.test(param))
          return { problem: `Param name "${param}" of command "${name}" is not a valid name.` };
        if (params.includes(param))
          return { problem: `Param "${param}" of command "${name}" is declared twice.` };
        params.push(param);
        paramSchema[param] = {
          type: readValue(row, "type"),
          required: isChecked(row, "required") || undefined,
          default: defaultOf(readValue(row, "default")),
        };
      }
      const effect = (/** @type {string} */ role) => (isChecked(block, role) ? true : undefined);
      commands[name] = {
        description: readValue(block, "description"),
        params,
        outputs: csv(readValue(block, "outputs")),
        paramSchema,
        readOnly: effect("read-only"),
        // A read-only command is neither destructive nor non-idempotent: leave those out then.
        destructive: isChecked(block, "read-only") ? undefined : effect("destructive"),
        idempotent: isChecked(block, "read-only") ? undefined : effect("idempotent"),
        deprecated: effect("deprecated"),
      };
    }
    return { schema: { connectionConfig, commands } };
  }

  /** What the form declares, for the editor's completion. */
  function declared() {
    const fields = [...fieldList.querySelectorAll(":scope > .conn-field")]
      .map((block) => readValue(block, "name"))
      .filter((name) => name !== "");
    const commands = [...commandList.querySelectorAll(":scope > .command-spec")].map((block) => ({
      name: readValue(block, "name"),
      params: [...block.querySelectorAll(".param")]
        .map((row) => readValue(row, "name"))
        .filter((name) => name !== ""),
    }));
    return { fields, commands: commands.filter((command) => NAME_SHAPE.test(command.name)) };
  }

  /**
   * Replaces what the form shows with a schema's fields and commands.
   * @param {any} schema a ConfigSchema JSON
   */
  function fill(schema) {
    fieldList.replaceChildren();
    for (const [name, spec] of Object.entries(schema?.connectionConfig ?? {}))
      fieldList.append(fieldBlock(name, spec));
    commandList.replaceChildren();
    for (const [name, command] of Object.entries(schema?.commands ?? {}))
      commandList.append(commandBlock(name, command));
  }

  for (const list of [fieldList, commandList]) {
    list.addEventListener("input", onChange);
    list.addEventListener("change", onChange);
  }

  return {
    collect: collectSchema,
    declared,
    fill,
    /** Adds an empty connection field and puts the focus in its name. */
    addField() {
      const block = fieldBlock("", {});
      fieldList.append(block);
      block.querySelector("input")?.focus();
      onChange();
    },
    /** Adds an empty command and puts the focus in its name. */
    addCommand() {
      const block = commandBlock("", { params: [] });
      commandList.append(block);
      block.querySelector("input")?.focus();
      onChange();
    },
  };
}
