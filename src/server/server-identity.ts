import { readFileSync } from "node:fs";

/** Who answers: shown on the `/` page and in its JSON form. */
export interface ServerIdentity {
  /** Product name, e.g. "Patchbay". */
  readonly name: string;
  /** The running version (package.json `version`). */
  readonly version: string;
}

/** "Patchbay" and the version in this checkout's package.json, read when called (once per server). */
export function readServerIdentity(
  manifest = new URL("../../package.json", import.meta.url),
): ServerIdentity {
  const parsed: unknown = JSON.parse(readFileSync(manifest, "utf8"));
  const version =
    typeof parsed === "object" && parsed !== null && "version" in parsed && typeof parsed.version === "string"
      ? parsed.version
      : "unknown";
  return { name: "Patchbay", version };
}
