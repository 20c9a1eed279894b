// The build page's script editor: CodeMirror 6 (served from this server's node_modules through the
// page's import map) with JavaScript highlighting, syntax errors marked as the text is typed, and
// completion of the script API's names (docs/script-connectors.md, "The patchbay API") plus the
// connection fields, params and commands the page's form declares. Plain browser JavaScript.

import { snippetCompletion } from "@codemirror/autocomplete";
import { indentWithTab } from "@codemirror/commands";
import { javascript, javascriptLanguage } from "@codemirror/lang-javascript";
import { syntaxTree } from "@codemirror/language";
import { linter, lintGutter } from "@codemirror/lint";
import { EditorView, keymap } from "@codemirror/view";
import { basicSetup } from "codemirror";

/** What the sandbox hands a script: `patchbay` and its members, as docs/script-connectors.md lists them. */
const API = [
  ["patchbay.http.get", "function", "(url, headers?)", "HTTP GET; answers { status, body, headers }"],
  ["patchbay.http.post", "function", "(url, body?, headers?)", "POST; an object body is sent as JSON"],
  ["patchbay.http.put", "function", "(url, body?, headers?)", "PUT"],
  ["patchbay.http.patch", "function", "(url, body?, headers?)", "PATCH"],
  ["patchbay.http.delete", "function", "(url, headers?)", "DELETE"],
  ["patchbay.log.trace", "function", "(message, fields?)", "a trace line in the connector's log"],
  ["patchbay.log.debug", "function", "(message, fields?)", "a debug line in the connector's log"],
  ["patchbay.log.info", "function", "(message, fields?)", "an info line in the connector's log"],
  ["patchbay.log.warn", "function", "(message, fields?)", "a warning in the connector's log"],
  ["patchbay.log.error", "function", "(message, fields?)", "an error line in the connector's log"],
  ["patchbay.config", "variable", "", "the connection's config and credentials, with the instance config"],
  ["patchbay.params", "variable", "", "the command's params, defaults applied"],
  ["patchbay.variables", "variable", "", "the caller's variables"],
  ["console.log", "function", "(...values)", "a line in the connector's log"],
];

/**
 * @typedef {{ fields: string[], commands: { name: string, params: string[] }[] }} Declared
 *   what the form declares, read when completion starts
 */

/**
 * The completion source: the API's names, `patchbay.config.<field>`, `patchbay.params.<param>`, and a
 * function skeleton per declared command.
 * @param {() => Declared} declared
 */
function scriptApiCompletions(declared) {
  /** @param {import("@codemirror/autocomplete").CompletionContext} context */
  return (context) => {
    const word = context.matchBefore(/[\w$]+(?:\.[\w$]*)*/);
    if (word === null || (word.from === word.to && !context.explicit)) return null;
    const { fields, commands } = declared();
    const options = API.map(([label, type, detail, info]) => ({ label, type, detail, info }));
    for (const field of fields)
      options.push({
        label: `patchbay.config.${field}`,
        type: "property",
        detail: "",
        info: "connection field",
      });
    const params = new Set(commands.flatMap((command) => command.params));
    for (const param of params)
      options.push({
        label: `patchbay.params.${param}`,
        type: "property",
        detail: "",
        info: "command param",
      });
    /** @type {import("@codemirror/autocomplete").Completion[]} */
    const all = [...options];
    if (!word.text.includes(".")) {
      for (const command of commands) {
        all.push(
          snippetCompletion(
            `function ${command.name}() {\n\tvar params = patchbay.params;\n\t\${}\n\treturn { success: true, payload: {} };\n}`,
            {
              label: `function ${command.name}`,
              type: "keyword",
              detail: "command",
              info: "the command's function",
            },
          ),
        );
      }
    }
    return { from: word.from, options: all, validFor: /^[\w$.]*$/ };
  };
}

/** Marks what the JavaScript parser could not read, as the text is typed. */
const syntaxErrors = linter((view) => {
  /** @type {import("@codemirror/lint").Diagnostic[]} */
  const found = [];
  syntaxTree(view.state).iterate({
    enter: (node) => {
      if (node.type.isError && found.length < 20) {
        // An error at the very end (text missing) is empty: mark the character before it.
        const length = view.state.doc.length;
        const from = Math.max(0, Math.min(node.from, length - 1));
        found.push({
          from,
          to: Math.min(Math.max(node.to, from + 1), length),
          severity: "error",
          message: "Syntax error",
        });
      }
    },
  });
  return found;
});

/**
 * The editor's own look: a fixed height with the script scrolling inside, the focus ring of the pages,
 * and syntax errors marked without the lint package's data: images (the CSP loads images from this
 * origin only, so its wavy underline and gutter dot would be refused).
 */
const look = EditorView.theme({
  "&": { height: "22rem", fontSize: "0.92em" },
  ".cm-lintRange-error": {
    backgroundImage: "none",
    textDecoration: "underline wavy #d11",
    textDecorationSkipInk: "none",
  },
  ".cm-lint-marker-error": {
    content: "none",
    backgroundColor: "#d11",
    borderRadius: "50%",
    width: "0.7em",
    height: "0.7em",
    margin: "0.15em",
  },
  "&.cm-focused": { outline: "2px solid #2456c9" },
  ".cm-scroller": {
    overflow: "auto",
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
  },
});

/**
 * An editor in a shadow root of `host`. CodeMirror styles itself through style-mod, which in a document
 * adds a <style> element (refused by the page's `style-src 'self'`) but in a shadow root adopts a
 * constructed stylesheet, which the CSP allows: so the CSP stays as strict as on every other page.
 * Inside the shadow root the page's ids are out of reach, so the editor is named by `label` itself.
 * @param {HTMLElement} host
 * @param {{ label: string, declared: () => Declared, onChange: () => void }} options
 */
export function createScriptEditor(host, options) {
  const root = host.attachShadow({ mode: "open" });
  const view = new EditorView({
    root,
    parent: root,
    doc: "",
    extensions: [
      // Line numbers, history, brackets, search, and completion as the text is typed.
      basicSetup,
      keymap.of([indentWithTab]),
      javascript(),
      javascriptLanguage.data.of({ autocomplete: scriptApiCompletions(options.declared) }),
      lintGutter(),
      syntaxErrors,
      look,
      // The explicit tab stop tells checkers (axe's scrollable-region-focusable) what a browser already
      // does with the editable text: it takes the focus, and its scroller scrolls to it.
      EditorView.contentAttributes.of({ "aria-label": options.label, tabindex: "0" }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) options.onChange();
      }),
    ],
  });
  return {
    /** The script as typed. */
    get: () => view.state.doc.toString(),
    /** @param {string} text */
    set: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
  };
}
