import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type BadRequest_FieldViolation,
  BadRequest_FieldViolationSchema,
  BadRequestSchema,
} from "../../../gen/google/rpc/error_details_pb.ts";

// The message repeats the first violations only: the detail carries them all, and a message is also a
// header (`x-patchbay-error`) and a log line.
const MESSAGE_VIOLATIONS = 5;

/**
 * One field a request breaks a rule with. `field` is its path (`metadata.idempotency_key`,
 * `scopes[1]`), `description` a whole operator-safe sentence that names it and never quotes the value,
 * `reason` the rule as an UPPER_SNAKE_CASE name to branch on (`REQUIRED`, `UUID`, `MAX_LEN`, ...).
 */
export function violation(field: string, description: string, reason: string): BadRequest_FieldViolation {
  return create(BadRequest_FieldViolationSchema, { field, description, reason });
}

/**
 * The refusal of a request that breaks the input rules: INVALID_ARGUMENT whose message is the
 * violations' sentences, with a google.rpc.BadRequest detail listing every one of them. The detail
 * travels on every protocol: gRPC's `grpc-status-details-bin`, Connect's `details`, and the REST
 * bridge's error body, which copies Connect's.
 */
export function invalidArgument(violations: readonly BadRequest_FieldViolation[]): ConnectError {
  const shown = violations.slice(0, MESSAGE_VIOLATIONS).map((v) => v.description);
  const more = violations.length - shown.length;
  const message = more > 0 ? `${shown.join("; ")} (and ${more} more)` : shown.join("; ");
  return new ConnectError(message, Code.InvalidArgument, undefined, [
    { desc: BadRequestSchema, value: { fieldViolations: [...violations] } },
  ]);
}
