import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One shell command of a page's code blocks. */
export interface ShellCommand {
  /** The page, from the repository root (`docs/connections.md`). */
  readonly file: string;
  /** The 1-based line the command starts on. */
  readonly line: number;
  /** The command as a shell reads it: continuation lines joined, the trailing comment cut. */
  readonly text: string;
  /** {@link text} with every run of white space made one space: the key proofs are listed under. */
  readonly key: string;
}

/** Fence languages whose blocks are commands to run; other blocks (code, trees, output) are not. */
const SHELL_FENCES = new Set(["sh", "bash", "shell", "console"]);

/** Where a line leaves a command: inside quotes, after a continuation backslash, or complete. */
interface Scan {
  readonly open: boolean;
  /** The line up to an unquoted `#` comment. */
  readonly code: string;
}

/** Reads one line in the quote state `quote` (`'`, `"` or ""), the way a POSIX shell splits words. */
function scanLine(line: string, quote: string): Scan & { quote: string } {
  let state = quote;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (state === "'") {
      if (c === "'") state = "";
    } else if (state === '"') {
      if (c === "\\") i++;
      else if (c === '"') state = "";
    } else if (c === "\\") {
      i++;
    } else if (c === "'" || c === '"') {
      state = c;
    } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1] ?? ""))) {
      return { open: false, code: line.slice(0, i).trimEnd(), quote: "" };
    }
  }
  return { open: state !== "" || line.endsWith("\\"), code: line, quote: state };
}

/** The commands of every shell code block of a Markdown text. */
export function shellCommands(file: string, markdown: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  const lines = markdown.split("\n");
  let fence: string | undefined;
  let pending: { line: number; text: string } | undefined;
  let quote = "";
  lines.forEach((raw, index) => {
    const fenceMatch = /^\s*```(\S*)/.exec(raw);
    if (fenceMatch !== null && quote === "") {
      fence = fence === undefined ? (fenceMatch[1] ?? "") : undefined;
      return;
    }
    if (fence === undefined || !SHELL_FENCES.has(fence)) return;
    if (pending === undefined && (raw.trim() === "" || raw.trimStart().startsWith("#"))) return;
    // A line that continues a quoted word keeps its newline; a continuation backslash becomes a space.
    const separator = quote === "" ? " " : "\n";
    const scan = scanLine(raw, quote);
    quote = scan.quote;
    const code = scan.code.endsWith("\\") && quote === "" ? scan.code.slice(0, -1) : scan.code;
    pending =
      pending === undefined
        ? { line: index + 1, text: code }
        : { line: pending.line, text: `${pending.text}${separator}${code}` };
    if (!scan.open) {
      const text = pending.text.trim();
      commands.push({ file, line: pending.line, text, key: text.replace(/\s+/g, " ") });
      pending = undefined;
    }
  });
  return commands;
}

/** The pages whose commands must be proven: README.md, docs/*.md and every examples/**\/README.md. */
export function documentedPages(root: string): string[] {
  const examples = readdirSync(join(root, "examples"), { recursive: true, encoding: "utf8" })
    .filter((path) => path === "README.md" || path.endsWith("/README.md"))
    .map((path) => `examples/${path}`);
  const docs = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs.sort(), ...examples.sort()];
}

/** Every shell command of every documented page. */
export function documentedCommands(root: string): ShellCommand[] {
  return documentedPages(root).flatMap((file) => shellCommands(file, readFileSync(join(root, file), "utf8")));
}
