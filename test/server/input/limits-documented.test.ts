import { readFileSync } from "node:fs";
import { type DescMessage, getOption, hasOption } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { max_items } from "../../../gen/patchbay/v1/common_pb.ts";
import { INPUT_LIMITS } from "../../../src/server/input/input-limits.ts";
import { REFLECTED_FILES } from "../../../src/server/routes.ts";
import { declaredRules, withImports } from "./declared-rules.ts";

const DOC = readFileSync(new URL("../../../docs/limits.md", import.meta.url), "utf8");

function allMessages(messages: readonly DescMessage[]): DescMessage[] {
  return messages.flatMap((m) => [m, ...allMessages(m.nestedMessages)]);
}

// docs/limits.md is the one page that states the limits: it must list every field's own cap as declared.
describe("docs/limits.md", () => {
  const declared = withImports(REFLECTED_FILES)
    .flatMap((file) => allMessages(file.messages))
    .flatMap((message) =>
      message.fields
        .filter((f) => hasOption(f, max_items))
        .map((f) => [`${message.typeName}.${f.name}`, getOption(f, max_items)] as const),
    );

  it("lists every (patchbay.v1.max_items) with its value", () => {
    expect(declared.length).toBeGreaterThan(0);
    for (const [field, limit] of declared) expect(DOC).toContain(`| \`${field}\` | ${limit} |`);
  });

  it("lists no field that does not declare that value", () => {
    const listed = [...DOC.matchAll(/^\| `([\w.]+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(listed.sort()).toEqual(declared.map(([f, l]) => [f, l]).sort());
  });

  it("states the defaults the edge applies", () => {
    expect(DOC).toContain(`**${INPUT_LIMITS.defaultMaxItems}**`);
    expect(DOC).toContain(INPUT_LIMITS.jsonMaxItems.toLocaleString("en"));
    expect(DOC).toContain(`${INPUT_LIMITS.maxDepth} levels`);
  });

  it("lists every declared (patchbay.v1.rules) and (patchbay.v1.oneof_required), as declared", () => {
    const rules = declaredRules(REFLECTED_FILES);
    expect(rules.length).toBeGreaterThan(0);
    for (const [field, cell] of rules) expect(DOC).toContain(`| \`${field}\` | ${cell} |`);
    const section = DOC.slice(
      DOC.indexOf("## Declared rules"),
      DOC.indexOf("## Messages that cannot be decoded"),
    );
    const listed = [...section.matchAll(/^\| `(patchbay\.[\w.]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(listed.sort()).toEqual(rules.map(([f, c]) => [f, c]).sort());
  });
});
