import { describe, expect, it } from "vitest";
import type { ConfigSchemaJson } from "../../gen/patchbay/v1/common_pb.ts";
import { diffSchemas, requiredBump } from "../../src/catalog/versioning/index.ts";
import { CRM, type FullSchema } from "../catalog/versioning/schema-fixture.ts";

// The console computes the bump a change needs in the browser (web/admin/schema-diff.js), before the
// server's own rules (src/catalog/versioning/) decide it on save. Both are run here on the same pairs of
// schemas: the page must expect what the server will apply.

interface PageDiff {
  diffSchemas(before: unknown, after: unknown): { bump: string; text: string }[];
  requiredBump(changes: readonly { bump: string }[]): string;
  bumpVersion(version: string, bump: string): string;
  schemaOfCapabilities(capabilities: unknown): unknown;
}

// A browser module, imported by URL so that the type checker does not look for its declarations.
const page = (await import(new URL("../../web/admin/schema-diff.js", import.meta.url).href)) as PageDiff;

const copy = (): FullSchema => structuredClone(CRM);

/** Named edits of the fixture, each a change the rules classify. */
const EDITS: Record<string, (schema: FullSchema) => void> = {
  nothing: () => {},
  "a command removed": (s) => {
    delete s.commands.listUsers;
  },
  "a command added": (s) => {
    s.commands.archive = { params: [], description: "Archive", outputs: [], paramSchema: {} };
  },
  "a param added without a default": (s) => {
    s.commands.listUsers?.params.push("cursor");
  },
  "a param added with a default": (s) => {
    const command = s.commands.listUsers;
    command?.params.push("page");
    if (command) command.paramSchema.page = { type: "number", default: 1 };
  },
  "a param removed": (s) => {
    const command = s.commands.listContacts;
    if (command) {
      command.params = ["limit"];
      delete command.paramSchema.offset;
    }
  },
  "a param left out of the list but kept in the schema": (s) => {
    const command = s.commands.listContacts;
    if (command) command.params = ["limit"];
  },
  "params reordered": (s) => {
    const command = s.commands.listContacts;
    if (command) command.params = ["offset", "limit"];
  },
  "an output added": (s) => {
    s.commands.listUsers?.outputs.push("next");
  },
  "an output removed": (s) => {
    const command = s.commands.listContacts;
    if (command) command.outputs = ["contacts"];
  },
  "a required connection field added": (s) => {
    s.connectionConfig.tenant = { type: "string", required: true };
  },
  "an optional connection field added": (s) => {
    s.connectionConfig.timeout = { type: "number" };
  },
  "a connection field removed": (s) => {
    delete s.connectionConfig.region;
  },
  "a param's type changed": (s) => {
    const spec = s.commands.listContacts?.paramSchema.limit;
    if (spec) spec.type = "string";
  },
  "a param became required": (s) => {
    const command = s.commands.createContact;
    if (command) command.paramSchema.firstName = { required: true };
  },
  "a default removed": (s) => {
    const spec = s.commands.listContacts?.paramSchema.offset;
    if (spec) delete spec.default;
  },
  "a default changed": (s) => {
    const spec = s.commands.listContacts?.paramSchema.limit;
    if (spec) spec.default = 25;
  },
  "options removed": (s) => {
    const field = s.connectionConfig.region;
    if (field) field.options = ["eu"];
  },
  "options added": (s) => {
    const field = s.connectionConfig.region;
    if (field) field.options = ["eu", "us", "ap"];
  },
  "a free field limited to options": (s) => {
    const field = s.connectionConfig.baseUrl;
    if (field) field.options = ["https://a.example"];
  },
  "a field made optional": (s) => {
    const field = s.connectionConfig.baseUrl;
    if (field) field.required = false;
  },
  "a description changed": (s) => {
    const field = s.connectionConfig.baseUrl;
    if (field) field.description = "Where the CRM answers";
  },
  "a command deprecated": (s) => {
    const command = s.commands.listUsers;
    if (command) {
      command.deprecated = true;
      command.deprecatedMessage = "use listContacts";
    }
  },
  "a command's description changed": (s) => {
    const command = s.commands.listUsers;
    if (command) command.description = "Lists the users";
  },
  "an effect hint declared": (s) => {
    const command = s.commands.listContacts;
    if (command) command.readOnly = true;
  },
  "a removed command and an added output": (s) => {
    delete s.commands.createContact;
    s.commands.listUsers?.outputs.push("next");
  },
};

describe("the console's version bump (web/admin/schema-diff.js)", () => {
  it.each(Object.keys(EDITS))("expects the server's bump for %s", (name) => {
    const after = copy();
    EDITS[name]?.(after);
    const server = requiredBump(diffSchemas(CRM as ConfigSchemaJson, after as ConfigSchemaJson));
    const changes = page.diffSchemas(CRM, after);
    expect(page.requiredBump(changes)).toBe(server);
    expect(changes.length === 0).toBe(server === "none");
  });

  it("bumps a version as the rules name it", () => {
    expect(page.bumpVersion("1.4.2", "major")).toBe("2.0.0");
    expect(page.bumpVersion("1.4.2", "minor")).toBe("1.5.0");
    expect(page.bumpVersion("1.4.2", "patch")).toBe("1.4.3");
    expect(page.bumpVersion("1.4.2", "none")).toBe("1.4.2");
  });

  it("reads a schema back from GetCapabilities' shape without inventing changes", () => {
    const capabilities = {
      commands: Object.entries(CRM.commands).map(([name, command]) => ({
        name,
        description: command.description,
        params: command.params.map((param) => ({
          name: param,
          spec: command.paramSchema[param] ?? { type: "string" },
        })),
        outputs: command.outputs,
        addedInVersion: command.addedInVersion,
      })),
      connectionConfig: CRM.connectionConfig,
    };
    const read = page.schemaOfCapabilities(capabilities);
    // Params listed without a schema read as optional strings, which is what they are.
    const typed = copy();
    for (const command of Object.values(typed.commands)) {
      for (const param of command.params) command.paramSchema[param] ??= { type: "string" };
      delete command.addedInVersion;
    }
    expect(page.diffSchemas(typed, read)).toEqual([]);
  });
});
