import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Longest deadline a client may ask of the transport (`grpc-timeout`, `connect-timeout-ms`): one hour.
 * Longer ones are lowered to it. Node's timers hold at most 2^31 - 1 ms; a deadline past that used to
 * fire at once (DEADLINE_EXCEEDED) with a TimeoutOverflowWarning on standard error.
 */
export const MAX_TIMEOUT_MS = 3_600_000;

// The grammars Connect itself accepts (gRPC: at most 8 digits and a unit; Connect: at most 10 digits).
const GRPC_TIMEOUT = /^(\d{1,8})([HMSmun])$/;
const CONNECT_TIMEOUT = /^\d{1,10}$/;
const GRPC_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 1e-6 };

/**
 * Lowers the request's transport deadline header (`grpc-timeout` for gRPC and gRPC-Web, else
 * `connect-timeout-ms`) to `maxMs` in place; `maxMs` must fit gRPC's eight digits of milliseconds.
 * A malformed value is refused here, with a message that does not quote it.
 */
export function clampTimeout(header: Headers, grpcFamily: boolean, maxMs: number): ConnectError | undefined {
  if (grpcFamily) {
    const grpc = header.get("grpc-timeout");
    if (grpc === null) return undefined;
    const match = GRPC_TIMEOUT.exec(grpc);
    if (match === null) return new ConnectError("malformed grpc-timeout header", Code.InvalidArgument);
    if (Number(match[1]) * (GRPC_UNIT_MS[match[2] as string] as number) > maxMs)
      header.set("grpc-timeout", `${maxMs}m`);
    return undefined;
  }
  const connect = header.get("connect-timeout-ms");
  if (connect !== null) {
    if (!CONNECT_TIMEOUT.test(connect))
      return new ConnectError("malformed connect-timeout-ms header", Code.InvalidArgument);
    if (Number(connect) > maxMs) header.set("connect-timeout-ms", String(maxMs));
  }
  return undefined;
}

/**
 * The deadline a transport header value asks for, in milliseconds, lowered to `maxMs` as {@link
 * clampTimeout} lowers it; undefined when the value is malformed (which `clampTimeout` refuses).
 */
export function timeoutMsOf(value: string, grpcFamily: boolean, maxMs: number): number | undefined {
  if (grpcFamily) {
    const match = GRPC_TIMEOUT.exec(value);
    if (match === null) return undefined;
    return Math.min(Number(match[1]) * (GRPC_UNIT_MS[match[2] as string] as number), maxMs);
  }
  return CONNECT_TIMEOUT.test(value) ? Math.min(Number(value), maxMs) : undefined;
}
