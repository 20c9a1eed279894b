/** One Markdown table of the catalogue, under its nearest heading. */
export interface CatalogueTable {
  /** Text of the nearest `##`/`###` heading above the table. */
  readonly heading: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** The cells of a table line, split on `|` outside code spans. */
function cellsOf(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let inCode = false;
  for (const char of line.trim().replace(/^\||\|$/g, "")) {
    if (char === "`") inCode = !inCode;
    if (char === "|" && !inCode) {
      cells.push(cell.trim());
      cell = "";
    } else cell += char;
  }
  cells.push(cell.trim());
  return cells;
}

/** Every table of a Markdown page, in order. */
export function readTables(markdown: string): CatalogueTable[] {
  const tables: { heading: string; header: string[]; rows: string[][] }[] = [];
  let heading = "";
  let current: { heading: string; header: string[]; rows: string[][] } | undefined;
  for (const line of markdown.split("\n")) {
    const title = /^#{2,3}\s+(.*)$/.exec(line)?.[1];
    if (title !== undefined) heading = title.trim();
    if (!line.trimStart().startsWith("|")) {
      current = undefined;
      continue;
    }
    const cells = cellsOf(line);
    if (current === undefined) {
      current = { heading, header: cells, rows: [] };
      tables.push(current);
    } else if (!cells.every((cell) => /^:?-+:?$/.test(cell))) current.rows.push(cells);
  }
  return tables;
}

/** The code a cell names: the text of its only code span, else undefined. */
export function codeIn(cell: string | undefined): string | undefined {
  return /^`([^`]+)`$/.exec(cell ?? "")?.[1];
}

/** A family's fixed prefix: `EXTERNAL_HTTP_<status>` → `EXTERNAL_HTTP_`; undefined for a whole code. */
export function familyPrefix(code: string): string | undefined {
  const at = code.indexOf("<");
  return at < 0 ? undefined : code.slice(0, at);
}

/** The column of a header cell, or -1. */
export function columnOf(table: CatalogueTable, name: string): number {
  return table.header.indexOf(name);
}
