import { Code, ConnectError } from "@connectrpc/connect";

/** A connector version: strict `MAJOR.MINOR.PATCH`. */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** How far a version moves: the three semver bump levels. */
export type BumpLevel = "major" | "minor" | "patch";

/** How one version relates to an earlier one. */
export type VersionMove = BumpLevel | "none" | "downgrade";

// No leading zeros (semver 2.0.0 §2), so every version has exactly one spelling and string equality
// is version equality.
const STRICT = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
// Pre-release and build suffixes are refused rather than ignored: the bump rules only speak of
// MAJOR.MINOR.PATCH, and silently dropping "-beta.1" would make two different strings one version.
const SUFFIXED = /^\d+\.\d+\.\d+[-+]/;
const ECHO_LIMIT = 32;

function quoted(text: string): string {
  return JSON.stringify(text.length > ECHO_LIMIT ? `${text.slice(0, ECHO_LIMIT)}…` : text);
}

/**
 * Parses a strict `MAJOR.MINOR.PATCH` version. Throws `INVALID_ARGUMENT` naming `name` (the request
 * field) for anything else, including pre-release (`1.0.0-beta.1`) and build (`1.0.0+5`) suffixes.
 */
export function parseVersion(text: string, name = "version"): Version {
  const match = STRICT.exec(text);
  const [, major, minor, patch] = match ?? [];
  if (major === undefined || minor === undefined || patch === undefined) {
    const why = SUFFIXED.test(text)
      ? "pre-release and build suffixes are not supported"
      : "expected MAJOR.MINOR.PATCH, for example 1.4.0";
    throw new ConnectError(`${name} ${quoted(text)} is not a valid version: ${why}`, Code.InvalidArgument);
  }
  const version = { major: Number(major), minor: Number(minor), patch: Number(patch) };
  if (!Object.values(version).every(Number.isSafeInteger)) {
    throw new ConnectError(
      `${name} ${quoted(text)} is not a valid version: number too large`,
      Code.InvalidArgument,
    );
  }
  return version;
}

/** The `MAJOR.MINOR.PATCH` text of a version. */
export function formatVersion(version: Version): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}

/** Orders two version strings: -1 when `a` is lower, 0 when equal, 1 when higher. Throws like `parseVersion`. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const left = parseVersion(a);
  const right = parseVersion(b);
  const difference = left.major - right.major || left.minor - right.minor || left.patch - right.patch;
  return difference < 0 ? -1 : difference > 0 ? 1 : 0;
}

/** The next version at `level`: a major bump resets minor and patch, a minor bump resets patch; "none" keeps it. */
export function bumpVersion(version: string, level: BumpLevel | "none"): string {
  const { major, minor, patch } = parseVersion(version);
  switch (level) {
    case "major":
      return formatVersion({ major: major + 1, minor: 0, patch: 0 });
    case "minor":
      return formatVersion({ major, minor: minor + 1, patch: 0 });
    case "patch":
      return formatVersion({ major, minor, patch: patch + 1 });
    case "none":
      return version;
  }
}

/**
 * The bump from `previousVersion` to `nextVersion`: the most significant part that went up, "none" when
 * equal, "downgrade" when lower. A skip (1.0.0 → 3.0.0, 1.0.0 → 1.0.7) counts as its level.
 */
export function bumpOf(previousVersion: string, nextVersion: string): VersionMove {
  const previous = parseVersion(previousVersion);
  const next = parseVersion(nextVersion);
  const order = compareVersions(nextVersion, previousVersion);
  if (order < 0) return "downgrade";
  if (order === 0) return "none";
  if (next.major > previous.major) return "major";
  if (next.minor > previous.minor) return "minor";
  return "patch";
}
