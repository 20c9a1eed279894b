import { Code, ConnectError } from "@connectrpc/connect";
import type { ConfigSchemaJson } from "../../../gen/patchbay/v1/common_pb.ts";
import { diffSchemas } from "./diff-schemas.ts";
import { coversBump, type RequiredBump, requiredBump, type SchemaChange } from "./schema-change.ts";
import { bumpOf, bumpVersion, parseVersion } from "./semver.ts";

/** What `checkVersionBump` compares. */
export interface VersionBumpInput {
  /** The version stored now. */
  readonly previousVersion: string;
  /** The version the caller asks for; absent means "keep the current version". Ignored with `autoBump`. */
  readonly nextVersion?: string | undefined;
  /** The schema stored now. */
  readonly previousSchema: ConfigSchemaJson;
  /** The schema the caller sends. */
  readonly nextSchema: ConfigSchemaJson;
  /** Let the server choose: the smallest bump that covers the changes (seed 004 `autoBump`). */
  readonly autoBump: boolean;
  /** Changes the schema diff cannot see (an OpenAPI command's HTTP request). */
  readonly extraChanges?: readonly SchemaChange[];
}

/** The new version is allowed. */
export interface VersionBumpAccepted {
  readonly ok: true;
  /** The version to store. */
  readonly version: string;
  readonly required: RequiredBump;
  readonly changes: readonly SchemaChange[];
}

/** The new version is refused; the caller answers FAILED_PRECONDITION with `message`. */
export interface VersionBumpRefused {
  readonly ok: false;
  readonly required: RequiredBump;
  readonly changes: readonly SchemaChange[];
  /** What is wrong, one entry each: the changes the version does not cover, or the downgrade. */
  readonly violations: readonly string[];
  /** One operator-safe sentence naming every violation. */
  readonly message: string;
}

/** The outcome of `checkVersionBump`. */
export type VersionBumpResult = VersionBumpAccepted | VersionBumpRefused;

const AS_BUMP = {
  major: "a major bump",
  minor: "a minor bump",
  patch: "a patch bump",
  none: "the current version",
};

/**
 * Checks a connector update against seed 004's bump rules. The changes between the schemas set a floor
 * (`requiredBump`); a version below it is refused naming the changes that set it, a downgrade is always
 * refused, and a larger bump than needed is fine. With `autoBump` the version is the floor applied to
 * `previousVersion` (unchanged when nothing changed). Throws INVALID_ARGUMENT for a malformed
 * `nextVersion` and FAILED_PRECONDITION when the stored version itself is malformed.
 */
export function checkVersionBump(input: VersionBumpInput): VersionBumpResult {
  const { previousVersion, previousSchema, nextSchema, autoBump } = input;
  try {
    parseVersion(previousVersion);
  } catch {
    throw new ConnectError(
      `the current version ${JSON.stringify(previousVersion)} is not MAJOR.MINOR.PATCH, so no bump can be checked against it`,
      Code.FailedPrecondition,
    );
  }
  const changes = [...diffSchemas(previousSchema, nextSchema), ...(input.extraChanges ?? [])];
  const required = requiredBump(changes);
  if (autoBump) return { ok: true, version: bumpVersion(previousVersion, required), required, changes };

  const version = input.nextVersion ?? previousVersion;
  parseVersion(version);
  const bump = bumpOf(previousVersion, version);
  if (bump === "downgrade") {
    const violation = `version ${version} is lower than the current version ${previousVersion}`;
    return {
      ok: false,
      required,
      changes,
      violations: [violation],
      message: `${violation}; versions only go up`,
    };
  }
  if (coversBump(bump, required)) return { ok: true, version, required, changes };

  // Only the changes at the floor are named: a bump that covers them covers every other change too.
  const violations = changes.filter((change) => change.level === required).map((change) => change.message);
  const floor = bumpVersion(previousVersion, required);
  const message =
    `version ${version} is ${AS_BUMP[bump]}, but these changes need ${AS_BUMP[required]} ` +
    `(${floor} or higher): ${violations.join("; ")}`;
  return { ok: false, required, changes, violations, message };
}
