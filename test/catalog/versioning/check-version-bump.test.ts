import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { ConfigSchemaJson } from "../../../gen/patchbay/v1/common_pb.ts";
import {
  checkVersionBump,
  type RequiredBump,
  type VersionBumpInput,
} from "../../../src/catalog/versioning/index.ts";
import { commandOf, edited } from "./schema-fixture.ts";

/** CRM plus a listUsersV2 command, so an update can both remove listUsers and change listUsersV2. */
const BEFORE = edited((s) => {
  s.commands.listUsersV2 = {
    params: ["limit"],
    description: "List users",
    outputs: ["users"],
    paramSchema: {},
  };
});

/** Two major changes: the seed's migration finished carelessly. */
const BREAKING = edited((s) => {
  delete s.commands.listUsers;
  commandOf(s, "listUsersV2").params.push("cursor");
}, BEFORE);

/** One schema per required bump, each a single change of that level. */
const NEEDS: Record<RequiredBump, ConfigSchemaJson> = {
  major: edited((s) => {
    delete s.commands.listUsers;
  }, BEFORE),
  minor: edited((s) => {
    commandOf(s, "listUsers").outputs.push("total");
  }, BEFORE),
  patch: edited((s) => {
    commandOf(s, "listUsers").deprecated = true;
  }, BEFORE),
  none: structuredClone(BEFORE),
};

function check(
  nextSchema: ConfigSchemaJson,
  nextVersion: string | undefined,
  autoBump = false,
  previousVersion = "1.0.0",
) {
  const input: VersionBumpInput = {
    previousVersion,
    nextVersion,
    previousSchema: BEFORE,
    nextSchema,
    autoBump,
  };
  return checkVersionBump(input);
}

/** The ConnectError `fn` throws; fails the test when it throws something else or nothing. */
function connectErrorOf(fn: () => unknown): ConnectError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
  throw new Error("expected a ConnectError, nothing was thrown");
}

describe("checkVersionBump: a bump below the floor is refused naming each change", () => {
  it("refuses a patch bump on two breaking changes and names both", () => {
    const result = check(BREAKING, "1.0.1");
    expect(result).toMatchObject({
      ok: false,
      required: "major",
      violations: [
        "command 'listUsers' was removed",
        "param 'cursor' of command 'listUsersV2' was added without a default",
      ],
      message:
        "version 1.0.1 is a patch bump, but these changes need a major bump (2.0.0 or higher): " +
        "command 'listUsers' was removed; param 'cursor' of command 'listUsersV2' was added without a default",
    });
  });

  it("refuses a minor bump when a major one is needed", () => {
    expect(check(BREAKING, "1.1.0")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^version 1\.1\.0 is a minor bump, but these changes need a major bump/),
    });
  });

  it("names only the changes that set the floor", () => {
    const next = edited((s) => {
      delete s.commands.listUsers;
      commandOf(s, "listContacts").outputs.push("nextCursor");
    }, BEFORE);
    const result = check(next, "1.1.0");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.violations).toEqual(["command 'listUsers' was removed"]);
    expect(result.changes).toHaveLength(2);
  });

  it("refuses the same version when the schema changed", () => {
    expect(check(NEEDS.minor, "1.0.0")).toMatchObject({
      ok: false,
      required: "minor",
      message:
        "version 1.0.0 is the current version, but these changes need a minor bump (1.1.0 or higher): " +
        "output 'total' of command 'listUsers' was added",
    });
  });

  it("treats an omitted version as the current one", () => {
    expect(check(NEEDS.patch, undefined)).toMatchObject({ ok: false, required: "patch" });
    expect(check(NEEDS.none, undefined)).toEqual({
      ok: true,
      version: "1.0.0",
      required: "none",
      changes: [],
    });
  });
});

describe("checkVersionBump: the floor against every offered bump", () => {
  const offered: Record<RequiredBump, string> = {
    none: "1.0.0",
    patch: "1.0.1",
    minor: "1.1.0",
    major: "2.0.0",
  };
  const rank = ["none", "patch", "minor", "major"] as const;
  const rows = rank.flatMap((required) =>
    rank.map((bump) => ({ required, bump, ok: rank.indexOf(bump) >= rank.indexOf(required) })),
  );

  it.each(rows)("a $bump bump when $required is needed: ok=$ok", ({ required, bump, ok }) => {
    const result = check(NEEDS[required], offered[bump]);
    expect(result.ok).toBe(ok);
    expect(result.required).toBe(required);
    if (result.ok) expect(result.version).toBe(offered[bump]);
  });

  it("accepts a skip beyond the floor", () => {
    expect(check(NEEDS.minor, "3.0.0")).toMatchObject({ ok: true, version: "3.0.0", required: "minor" });
  });
});

describe("checkVersionBump: downgrades", () => {
  it.each(["0.9.0", "0.9.9"])("refuses %s below 1.0.0 even without changes", (version) => {
    expect(check(NEEDS.none, version)).toEqual({
      ok: false,
      required: "none",
      changes: [],
      violations: [`version ${version} is lower than the current version 1.0.0`],
      message: `version ${version} is lower than the current version 1.0.0; versions only go up`,
    });
  });

  it("refuses a downgrade that would also be too small a bump", () => {
    expect(check(NEEDS.major, "1.2.0", false, "1.3.0")).toMatchObject({
      ok: false,
      message: "version 1.2.0 is lower than the current version 1.3.0; versions only go up",
    });
  });
});

describe("checkVersionBump: autoBump", () => {
  it.each<[RequiredBump, string]>([
    ["major", "2.0.0"],
    ["minor", "1.3.0"],
    ["patch", "1.2.4"],
    ["none", "1.2.3"],
  ])("a %s change moves 1.2.3 to %s", (required, version) => {
    expect(check(NEEDS[required], undefined, true, "1.2.3")).toMatchObject({ ok: true, version, required });
  });

  it.each(["0.1.0", "1.0.0", "9.0.0"])("ignores a requested version (%s)", (requested) => {
    expect(check(NEEDS.minor, requested, true)).toMatchObject({ ok: true, version: "1.1.0" });
  });
});

describe("checkVersionBump: malformed versions", () => {
  it("refuses a malformed requested version with INVALID_ARGUMENT", () => {
    const error = connectErrorOf(() => check(NEEDS.patch, "1.0.1-rc.1"));
    expect(error.code).toBe(Code.InvalidArgument);
  });

  it.each<[boolean]>([[false], [true]])(
    "answers FAILED_PRECONDITION for a malformed stored version (autoBump %s)",
    (autoBump) => {
      const error = connectErrorOf(() => check(NEEDS.patch, "2.0.0", autoBump, "1.0"));
      expect(error.code).toBe(Code.FailedPrecondition);
      expect(error.rawMessage).toBe(
        'the current version "1.0" is not MAJOR.MINOR.PATCH, so no bump can be checked against it',
      );
    },
  );
});
