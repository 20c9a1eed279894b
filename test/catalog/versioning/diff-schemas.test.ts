import { describe, expect, it } from "vitest";
import type { ConfigSchemaJson } from "../../../gen/patchbay/v1/common_pb.ts";
import { diffSchemas, requiredBump, type SchemaChange } from "../../../src/catalog/versioning/index.ts";
import { CRM, commandOf, edited, type FullSchema, fieldOf } from "./schema-fixture.ts";

interface Row {
  rule: string;
  next: ConfigSchemaJson;
  change: SchemaChange;
}

// Seed 004 "Versioning": one row per bullet of the major and the minor list.
const SEED_ROWS: Row[] = [
  {
    rule: "major: removed command",
    next: edited((s) => {
      delete s.commands.listUsers;
    }),
    change: {
      level: "major",
      kind: "command_removed",
      command: "listUsers",
      message: "command 'listUsers' was removed",
    },
  },
  {
    rule: "major: removed param from an existing command",
    next: edited((s) => {
      const c = commandOf(s, "listContacts");
      c.params = ["limit"];
      delete c.paramSchema.offset;
    }),
    change: {
      level: "major",
      kind: "param_removed",
      command: "listContacts",
      param: "offset",
      message: "param 'offset' of command 'listContacts' was removed",
    },
  },
  {
    rule: "major: new param added without a default",
    next: edited((s) => {
      commandOf(s, "listContacts").params.push("cursor");
    }),
    change: {
      level: "major",
      kind: "param_added_without_default",
      command: "listContacts",
      param: "cursor",
      message: "param 'cursor' of command 'listContacts' was added without a default",
    },
  },
  {
    rule: "major: removed output from an existing command",
    next: edited((s) => {
      commandOf(s, "listContacts").outputs = ["contacts"];
    }),
    change: {
      level: "major",
      kind: "output_removed",
      command: "listContacts",
      output: "total",
      message: "output 'total' of command 'listContacts' was removed",
    },
  },
  {
    rule: "major: removed connection-config field",
    next: edited((s) => {
      delete s.connectionConfig.region;
    }),
    change: {
      level: "major",
      kind: "connection_field_removed",
      field: "region",
      message: "connection field 'region' was removed",
    },
  },
  {
    rule: "major: new connection-config field marked required",
    next: edited((s) => {
      s.connectionConfig.tenant = { type: "string", required: true };
    }),
    change: {
      level: "major",
      kind: "connection_field_added_required",
      field: "tenant",
      message: "required connection field 'tenant' was added",
    },
  },
  {
    rule: "minor: new command",
    next: edited((s) => {
      s.commands.deleteContact = { params: ["id"], description: "Delete", outputs: [], paramSchema: {} };
    }),
    change: {
      level: "minor",
      kind: "command_added",
      command: "deleteContact",
      message: "command 'deleteContact' was added",
    },
  },
  {
    rule: "minor: new param with a default",
    next: edited((s) => {
      const c = commandOf(s, "listContacts");
      c.params.push("sort");
      c.paramSchema.sort = { type: "string", default: "name" };
    }),
    change: {
      level: "minor",
      kind: "param_added_with_default",
      command: "listContacts",
      param: "sort",
      message: "param 'sort' of command 'listContacts' was added with a default",
    },
  },
  {
    rule: "minor: new output",
    next: edited((s) => {
      commandOf(s, "listContacts").outputs.push("nextCursor");
    }),
    change: {
      level: "minor",
      kind: "output_added",
      command: "listContacts",
      output: "nextCursor",
      message: "output 'nextCursor' of command 'listContacts' was added",
    },
  },
  {
    rule: "minor: new optional connection-config field",
    next: edited((s) => {
      s.connectionConfig.timeoutMs = { type: "number" };
    }),
    change: {
      level: "minor",
      kind: "connection_field_added_optional",
      field: "timeoutMs",
      message: "optional connection field 'timeoutMs' was added",
    },
  },
];

// The seed's rules read on the details of how a schema spells a param or a field.
const SPELLING_ROWS: Row[] = [
  {
    rule: "major: a typed param added without a default, even when optional",
    next: edited((s) => {
      commandOf(s, "listContacts").paramSchema.q = { type: "string" };
    }),
    change: {
      level: "major",
      kind: "param_added_without_default",
      command: "listContacts",
      param: "q",
      message: "param 'q' of command 'listContacts' was added without a default",
    },
  },
  {
    rule: "major: removed param that was listed only in params",
    next: edited((s) => {
      commandOf(s, "createContact").params = ["email", "firstName"];
    }),
    change: {
      level: "major",
      kind: "param_removed",
      command: "createContact",
      param: "lastName",
      message: "param 'lastName' of command 'createContact' was removed",
    },
  },
  {
    rule: "major: removed param that was only in paramSchema",
    next: edited((s) => {
      delete commandOf(s, "createContact").paramSchema.email;
      commandOf(s, "createContact").params = ["firstName", "lastName"];
    }),
    change: {
      level: "major",
      kind: "param_removed",
      command: "createContact",
      param: "email",
      message: "param 'email' of command 'createContact' was removed",
    },
  },
  {
    rule: "major: required connection field added with a default is still major",
    next: edited((s) => {
      s.connectionConfig.tenant = { type: "string", required: true, default: "main" };
    }),
    change: {
      level: "major",
      kind: "connection_field_added_required",
      field: "tenant",
      message: "required connection field 'tenant' was added",
    },
  },
  {
    rule: "minor: a connection field named like an Object.prototype member is a field like any other",
    next: edited((s) => {
      Object.assign(s.connectionConfig, { constructor: { type: "string" } });
    }),
    change: {
      level: "minor",
      kind: "connection_field_added_optional",
      field: "constructor",
      message: "optional connection field 'constructor' was added",
    },
  },
];

describe("diffSchemas: seed 004 version-bump rules", () => {
  it.each(SEED_ROWS)("$rule", ({ next, change }) => {
    expect(diffSchemas(CRM, next)).toEqual([change]);
  });

  it.each(SPELLING_ROWS)("$rule", ({ next, change }) => {
    expect(diffSchemas(CRM, next)).toEqual([change]);
  });
});

describe("diffSchemas: whole schemas", () => {
  it("finds no change between a schema and its copy", () => {
    expect(diffSchemas(CRM, structuredClone(CRM))).toEqual([]);
  });

  it("finds no change when only the order of keys differs", () => {
    const reordered: FullSchema = {
      commands: Object.fromEntries(Object.entries(CRM.commands).reverse()),
      connectionConfig: Object.fromEntries(Object.entries(CRM.connectionConfig).reverse()),
    };
    expect(diffSchemas(CRM, reordered)).toEqual([]);
  });

  it("reports reordered outputs as a patch-level command change", () => {
    const next = edited((s) => {
      commandOf(s, "listContacts").outputs = ["total", "contacts"];
    });
    expect(diffSchemas(CRM, next)).toEqual([
      {
        level: "patch",
        kind: "command_changed",
        command: "listContacts",
        message: "command 'listContacts' changed",
      },
    ]);
  });

  it("reports every change of a combined edit, and the highest level wins", () => {
    const next = edited((s) => {
      delete s.commands.listUsers;
      s.commands.listUsersV2 = {
        params: ["limit"],
        description: "List users",
        outputs: ["users"],
        paramSchema: {},
      };
      commandOf(s, "listContacts").description = "List contacts";
      fieldOf(s, "baseUrl").label = "Base URL";
    });
    const changes = diffSchemas(CRM, next);
    expect(changes.map((c) => [c.level, c.message])).toEqual([
      ["patch", "label of connection field 'baseUrl' changed"],
      ["major", "command 'listUsers' was removed"],
      ["minor", "command 'listUsersV2' was added"],
      ["patch", "description of command 'listContacts' changed"],
    ]);
    expect(requiredBump(changes)).toBe("major");
  });

  it("reads seed 004's deprecation example as a minor change", () => {
    const before: FullSchema = {
      connectionConfig: {},
      commands: {
        listUsers: {
          params: ["limit"],
          description: "List users",
          outputs: [],
          paramSchema: {},
          addedInVersion: "1.0.0",
        },
      },
    };
    const after = edited((s) => {
      Object.assign(commandOf(s, "listUsers"), {
        description: "List users (deprecated)",
        deprecated: true,
        deprecatedMessage: "Use listUsersV2 instead",
      });
      s.commands.listUsersV2 = {
        params: ["limit", "cursor"],
        description: "List users with cursor pagination",
        outputs: [],
        paramSchema: {},
        addedInVersion: "2.0.0",
      };
    }, before);
    const changes = diffSchemas(before, after);
    expect(changes.map((c) => [c.level, c.message])).toEqual([
      ["minor", "command 'listUsersV2' was added"],
      ["patch", "description of command 'listUsers' changed"],
      ["patch", "command 'listUsers' was deprecated"],
      ["patch", "deprecation message of command 'listUsers' changed"],
    ]);
    expect(requiredBump(changes)).toBe("minor");
  });
});
