import { createHash } from "node:crypto";

/** MCP's rule for a tool name. */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const MAX_LENGTH = 64;
/** `_` and six hex digits of a hash: what tells two colliding names apart. */
const SUFFIX_LENGTH = 7;

/** A name as MCP allows it: every other character becomes `_`, runs of `_` collapse. */
function sanitize(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]+/g, "_").replace(/_+/g, "_");
}

function suffixOf(key: string): string {
  return `_${createHash("sha256")
    .update(key)
    .digest("hex")
    .slice(0, SUFFIX_LENGTH - 1)}`;
}

/** One tool to name: what it is called after, and a key unique to it (its connection or connector, and command). */
export interface NameRequest {
  readonly prefix: string;
  readonly command: string;
  /** Stable and unique per tool, e.g. `<connection id>/<command>`: the collision suffix is made from it. */
  readonly key: string;
}

/**
 * Tool names `<prefix>_<command>`, sanitized to MCP's rule (ASCII letters, digits, `_` and `-`, at most
 * 64 characters). A name that is too long, or that several tools would share, gets a short suffix made
 * from the tool's key instead, so the same tools get the same names on every call and every replica,
 * whatever order they were read in. A name in `reserved` (the fixed tools' names) is never given out as is.
 */
export function toolNames(requests: readonly NameRequest[], reserved: readonly string[] = []): string[] {
  const plain = requests.map((r) => sanitize(`${r.prefix}_${r.command}`) || "tool");
  const counts = new Map<string, number>();
  for (const name of plain) counts.set(name, (counts.get(name) ?? 0) + 1);
  return requests.map((request, i) => {
    const name = plain[i] ?? "tool";
    if (name.length <= MAX_LENGTH && counts.get(name) === 1 && !reserved.includes(name)) return name;
    return `${name.slice(0, MAX_LENGTH - SUFFIX_LENGTH)}${suffixOf(request.key)}`;
  });
}

/**
 * Whether some tool named after `prefix` (`<prefix>_<command>`, whatever its command and the other tools)
 * could get `name` from `toolNames`: its sanitized `<prefix>_` and `name` agree up to where a suffix may
 * cut the name. True for every tool that can, and for some that cannot; so one name is resolved among
 * these candidates alone (every tool sharing a candidate's plain name is a candidate too, and the
 * counts that decide a suffix come out the same), without reading every connector's commands.
 */
export function mayBeNamed(prefix: string, name: string): boolean {
  const head = sanitize(`${prefix}_`);
  const kept = Math.min(head.length, MAX_LENGTH - SUFFIX_LENGTH);
  return head.slice(0, kept) === name.slice(0, kept);
}
