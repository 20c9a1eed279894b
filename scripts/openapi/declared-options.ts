import type { Registry } from "@bufbuild/protobuf";
import type { access, oneof_required, rest, rules } from "../../gen/patchbay/v1/common_pb.ts";

/**
 * The patchbay.v1 option extensions the document reads, as the request's own descriptors declare them.
 * Not gen/'s copies: gen/patchbay/v1/common_pb.ts is what the same `buf generate` run rewrites, after every
 * plugin has run, so it would not know a field just added to `Rules` until a second run. One is undefined
 * when no file of the request declares it, and then nothing carries it.
 */
export interface DeclaredOptions {
  /** `(patchbay.v1.access)` on a method: public, or the scope it needs. */
  readonly access: typeof access | undefined;
  /** `(patchbay.v1.rest)` on a method: its success statuses besides 200. */
  readonly rest: typeof rest | undefined;
  /** `(patchbay.v1.rules)` on a field: the input rules the edge enforces. */
  readonly rules: typeof rules | undefined;
  /** `(patchbay.v1.oneof_required)` on a oneof: one member must be set. */
  readonly oneofRequired: typeof oneof_required | undefined;
}

/** The extensions of {@link DeclaredOptions}, looked up by full name in the request's descriptors. */
export function declaredOptionsOf(registry: Registry): DeclaredOptions {
  return {
    access: registry.getExtension("patchbay.v1.access") as typeof access | undefined,
    rest: registry.getExtension("patchbay.v1.rest") as typeof rest | undefined,
    rules: registry.getExtension("patchbay.v1.rules") as typeof rules | undefined,
    oneofRequired: registry.getExtension("patchbay.v1.oneof_required") as typeof oneof_required | undefined,
  };
}
