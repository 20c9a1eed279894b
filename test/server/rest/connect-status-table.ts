import { Code } from "@connectrpc/connect";

/**
 * The Connect protocol's Code → HTTP status table with each code's wire name, written out from the
 * specification (connectrpc.com/docs/protocol#error-codes, as amended in 2024; reference B2) rather than
 * read from the code under test.
 */
export const CONNECT_STATUS_TABLE: readonly (readonly [code: Code, wire: string, status: number])[] = [
  [Code.Canceled, "canceled", 499],
  [Code.Unknown, "unknown", 500],
  [Code.InvalidArgument, "invalid_argument", 400],
  [Code.DeadlineExceeded, "deadline_exceeded", 504],
  [Code.NotFound, "not_found", 404],
  [Code.AlreadyExists, "already_exists", 409],
  [Code.PermissionDenied, "permission_denied", 403],
  [Code.ResourceExhausted, "resource_exhausted", 429],
  [Code.FailedPrecondition, "failed_precondition", 400],
  [Code.Aborted, "aborted", 409],
  [Code.OutOfRange, "out_of_range", 400],
  [Code.Unimplemented, "unimplemented", 501],
  [Code.Internal, "internal", 500],
  [Code.Unavailable, "unavailable", 503],
  [Code.DataLoss, "data_loss", 500],
  [Code.Unauthenticated, "unauthenticated", 401],
];
