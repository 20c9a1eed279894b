import { describe, expect, it } from "vitest";
import { commandAnnotations } from "../../src/mcp/command-annotations.ts";

const BASE = { title: "Blog (placeholder-api): listPosts", openWorldHint: true };

describe("commandAnnotations", () => {
  it.each([
    ["nothing declared: only title and openWorldHint", {}, {}],
    ["read-only", { readOnly: true }, { readOnlyHint: true }],
    [
      "read-only and idempotent: readOnlyHint alone",
      { readOnly: true, idempotent: true },
      { readOnlyHint: true },
    ],
    // An external connector's Describe answer is not checked for contradictions: the hints are not passed on.
    [
      "read-only yet destructive (an unchecked described schema)",
      { readOnly: true, destructive: true },
      { readOnlyHint: true },
    ],
    [
      "a deletion",
      { readOnly: false, destructive: true, idempotent: true },
      { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    ],
    [
      "an addition, read-only unsaid",
      { destructive: false, idempotent: false },
      { destructiveHint: false, idempotentHint: false },
    ],
  ])("%s", (_case, spec, hints) => {
    expect(commandAnnotations(spec, BASE.title)).toEqual({ ...BASE, ...hints });
  });
});
