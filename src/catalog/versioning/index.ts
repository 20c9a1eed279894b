export {
  checkVersionBump,
  type VersionBumpAccepted,
  type VersionBumpInput,
  type VersionBumpRefused,
  type VersionBumpResult,
} from "./check-version-bump.ts";
export { COMMAND_RULES, type CommandRule } from "./command-rules.ts";
export { diffSchemas } from "./diff-schemas.ts";
export { FIELD_RULES, type FieldRule, type FieldView } from "./field-rules.ts";
export {
  coversBump,
  type FieldChangeKind,
  type RequiredBump,
  requiredBump,
  type SchemaChange,
  type SchemaChangeKind,
} from "./schema-change.ts";
export {
  type BumpLevel,
  bumpOf,
  bumpVersion,
  compareVersions,
  formatVersion,
  parseVersion,
  type Version,
  type VersionMove,
} from "./semver.ts";
