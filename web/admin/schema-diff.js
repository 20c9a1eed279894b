// The difference between two connector schemas (proto JSON `{connectionConfig, commands}`), each change
// with the version bump the rules of docs/connectors.md ("Versioning") give it. The console shows it
// before a save or a re-import; the server decides (UpdateConnector with auto_bump answers the bump it
// applied, and the page shows that too), so a rule this page reads differently shows as a difference
// between "expected" and "applied", never as a wrong version. Plain browser JavaScript, no DOM.

/** @typedef {"major" | "minor" | "patch"} Bump */
/** @typedef {{ bump: Bump, text: string }} Change */

import { strings } from "./console-ui.js";

const RANK = { none: 0, patch: 1, minor: 2, major: 3 };

/** @param {any} value */
const obj = (value) => (value !== null && typeof value === "object" && !Array.isArray(value) ? value : {});
/** @param {any} field */
const required = (field) => obj(field).required === true;
/** @param {any} field */
const hasDefault = (field) => obj(field).default !== undefined;
/** @param {any} field "secret" is a string stored sealed: string ↔ secret changes secrecy, not values */
const baseType = (field) => {
  const type = obj(field).type;
  return type === "secret" ? "string" : typeof type === "string" && type !== "" ? type : "string";
};

/**
 * A value at its proto JSON default: proto JSON may leave it out or spell it, and either reads the same.
 * A field's `default` is a value of its own (`false` is a default), so it is never "empty".
 * @param {string} key
 * @param {unknown} value
 */
const isEmpty = (key, value) =>
  value === undefined ||
  (key !== "default" &&
    (value === false ||
      value === "" ||
      (Array.isArray(value) && value.length === 0) ||
      (value !== null && typeof value === "object" && Object.keys(value).length === 0)));

/**
 * Sorted and without defaults, so that key order or a spelled-out default never reads as a change.
 * @param {unknown} value
 * @returns {string}
 */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => !isEmpty(key, /** @type {any} */ (value)[key]))
      .map((key) => `${JSON.stringify(key)}:${canonical(/** @type {any} */ (value)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * What changing one field means: the most severe rule that applies, or a patch when only its text
 * changed, or nothing.
 * @param {string} subject e.g. "param 'limit' of command 'listContacts'"
 * @param {any} before
 * @param {any} after
 * @returns {Change[]}
 */
function diffField(subject, before, after) {
  const a = obj(before);
  const b = obj(after);
  if (baseType(a) !== baseType(b)) return [{ bump: "major", text: `type of ${subject} changed` }];
  if (!required(a) && required(b)) return [{ bump: "major", text: `${subject} became required` }];
  if (hasDefault(a) && !hasDefault(b)) return [{ bump: "major", text: `${subject} lost its default` }];
  const optionsA = strings(a.options);
  const optionsB = strings(b.options);
  if (optionsA.length === 0 && optionsB.length > 0)
    return [{ bump: "major", text: `${subject} is now limited to a list of options` }];
  if (optionsB.length > 0 && optionsA.some((option) => !optionsB.includes(option)))
    return [{ bump: "major", text: `${subject} lost one or more options` }];
  if (optionsA.length > 0 && optionsB.some((option) => !optionsA.includes(option)))
    return [{ bump: "minor", text: `${subject} gained options` }];
  if (canonical(a) !== canonical(b)) return [{ bump: "patch", text: `${subject} changed` }];
  return [];
}

/**
 * @param {string} name
 * @param {any} before a CommandSpec JSON
 * @param {any} after
 * @returns {Change[]}
 */
function diffCommand(name, before, after) {
  const a = obj(before);
  const b = obj(after);
  /** @type {Change[]} */
  const changes = [];
  const schemaA = obj(a.paramSchema);
  const schemaB = obj(b.paramSchema);
  // A param is a name in `params` or a key of `paramSchema` (a name without a schema is an optional string).
  const paramsA = [...new Set([...strings(a.params), ...Object.keys(schemaA)])];
  const paramsB = [...new Set([...strings(b.params), ...Object.keys(schemaB)])];
  for (const param of paramsA) {
    if (!paramsB.includes(param))
      changes.push({ bump: "major", text: `param '${param}' was removed from command '${name}'` });
  }
  for (const param of paramsB) {
    const subject = `param '${param}' of command '${name}'`;
    if (!paramsA.includes(param)) {
      changes.push(
        // Old callers omit a new param: with a default it is filled in, without one they break.
        hasDefault(schemaB[param])
          ? { bump: "minor", text: `${subject} was added with a default` }
          : { bump: "major", text: `${subject} was added without a default` },
      );
    } else {
      changes.push(...diffField(subject, schemaA[param], schemaB[param]));
    }
  }
  const outputsA = strings(a.outputs);
  const outputsB = strings(b.outputs);
  for (const output of outputsA) {
    if (!outputsB.includes(output))
      changes.push({ bump: "major", text: `output '${output}' of command '${name}' was removed` });
  }
  for (const output of outputsB) {
    if (!outputsA.includes(output))
      changes.push({ bump: "minor", text: `output '${output}' of command '${name}' was added` });
  }
  // Nothing above, yet something differs (text, hints, deprecation, params reordered): a patch.
  if (changes.length === 0 && canonical(a) !== canonical(b)) {
    const what = a.deprecated !== true && b.deprecated === true ? "was marked deprecated" : "changed";
    changes.push({ bump: "patch", text: `command '${name}' ${what}` });
  }
  return changes;
}

/**
 * Every change from `before` to `after`, most severe first.
 * @param {any} before a ConfigSchema JSON
 * @param {any} after
 * @returns {Change[]}
 */
export function diffSchemas(before, after) {
  /** @type {Change[]} */
  const changes = [];
  const fieldsA = obj(obj(before).connectionConfig);
  const fieldsB = obj(obj(after).connectionConfig);
  for (const name of Object.keys(fieldsA)) {
    if (!(name in fieldsB)) changes.push({ bump: "major", text: `connection field '${name}' was removed` });
  }
  for (const [name, field] of Object.entries(fieldsB)) {
    const subject = `connection field '${name}'`;
    if (!(name in fieldsA)) {
      changes.push(
        required(field)
          ? { bump: "major", text: `required ${subject} was added` }
          : { bump: "minor", text: `optional ${subject} was added` },
      );
    } else {
      changes.push(...diffField(subject, fieldsA[name], field));
    }
  }
  const commandsA = obj(obj(before).commands);
  const commandsB = obj(obj(after).commands);
  for (const name of Object.keys(commandsA)) {
    if (!(name in commandsB)) changes.push({ bump: "major", text: `command '${name}' was removed` });
  }
  for (const [name, command] of Object.entries(commandsB)) {
    if (!(name in commandsA)) changes.push({ bump: "minor", text: `command '${name}' was added` });
    else changes.push(...diffCommand(name, commandsA[name], command));
  }
  return changes.sort((x, y) => RANK[y.bump] - RANK[x.bump]);
}

/**
 * The smallest bump that covers every change: "none" when there is none.
 * @param {readonly Change[]} changes
 * @returns {Bump | "none"}
 */
export function requiredBump(changes) {
  /** @type {Bump | "none"} */
  let bump = "none";
  for (const change of changes) if (RANK[change.bump] > RANK[bump]) bump = change.bump;
  return bump;
}

/**
 * `version` bumped by `bump` ("1.4.2" + minor = "1.5.0"); unchanged for "none" or a version that is not
 * semver.
 * @param {string} version
 * @param {Bump | "none"} bump
 */
export function bumpVersion(version, bump) {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (match === null || bump === "none") return version;
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (bump === "major") return `${major + 1}.0.0`;
  if (bump === "minor") return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/**
 * A connector's schema in proto JSON, rebuilt from what GetCapabilities answers (commands as a list
 * with their params in order, connection fields by name): what the stored schema is, seen through the
 * public API.
 * @param {any} capabilities
 */
export function schemaOfCapabilities(capabilities) {
  /** @type {Record<string, any>} */
  const commands = {};
  for (const command of Array.isArray(capabilities?.commands) ? capabilities.commands : []) {
    const params = Array.isArray(command.params) ? command.params : [];
    commands[command.name] = {
      description: command.description ?? "",
      params: params.map((/** @type {any} */ param) => param.name),
      outputs: strings(command.outputs),
      paramSchema: Object.fromEntries(
        params.map((/** @type {any} */ param) => [param.name, param.spec ?? {}]),
      ),
      deprecated: command.deprecated === true ? true : undefined,
      deprecatedMessage: command.deprecatedMessage || undefined,
      readOnly: command.readOnly,
      destructive: command.destructive,
      idempotent: command.idempotent,
    };
  }
  return { connectionConfig: obj(capabilities?.connectionConfig), commands };
}
