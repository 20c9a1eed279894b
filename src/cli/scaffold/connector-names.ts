/** What a scaffolded connector's name must look like: kebab-case, starting with a letter. */
export const CONNECTOR_NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Longest connector name accepted (the catalog's slug limit). */
export const MAX_CONNECTOR_NAME_LENGTH = 64;

/** The identifiers a connector name turns into in the generated code. */
export interface ConnectorNames {
  /** The kebab-case name, as given: `acme-crm`. */
  name: string;
  /** The exported definition: `acmeCrmConnector`. */
  definition: string;
  /** The type prefix: `AcmeCrm` (for `AcmeCrmConnection`, `AcmeCrmError`). */
  pascal: string;
  /** Words for messages: `Acme Crm`. */
  title: string;
}

/** Why `name` cannot be a connector name, or undefined when it can. */
export function connectorNameProblem(name: string): string | undefined {
  if (name.length > MAX_CONNECTOR_NAME_LENGTH) {
    return `connector name must be at most ${MAX_CONNECTOR_NAME_LENGTH} characters`;
  }
  if (!CONNECTOR_NAME_PATTERN.test(name)) {
    return `connector name ${JSON.stringify(name)} must be kebab-case: lower-case letters and digits in words joined by '-', starting with a letter (e.g. acme-crm)`;
  }
  return undefined;
}

/** The identifiers of a valid (see {@link connectorNameProblem}) connector name. */
export function connectorNames(name: string): ConnectorNames {
  const words = name.split("-");
  const capitalized = words.map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`);
  const pascal = capitalized.join("");
  return {
    name,
    definition: `${pascal.charAt(0).toLowerCase()}${pascal.slice(1)}Connector`,
    pascal,
    title: capitalized.join(" "),
  };
}
