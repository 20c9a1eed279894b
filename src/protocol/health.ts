import { create } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { HealthCheckResponse } from "../../gen/health/v1/health_pb.ts";
import {
  Health,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from "../../gen/health/v1/health_pb.ts";

/** Options for {@link registerHealth}. */
export interface HealthOptions {
  /** Fully-qualified names of the services to report on, besides "" (the whole server) and the health service. */
  services: readonly string[];
  /** Resolves true when the server can serve (database reachable, migrations applied); a rejection counts as not serving. */
  check: () => Promise<boolean>;
  /** How often Watch re-runs the check, in milliseconds. Default 1000. */
  watchIntervalMs?: number;
  /** How long a check result is reused, in milliseconds, so a flood of probes costs one check. Default 250. */
  cacheMs?: number;
}

type ServingStatus = HealthCheckResponse_ServingStatus;
const { SERVING, NOT_SERVING, SERVICE_UNKNOWN } = HealthCheckResponse_ServingStatus;

/**
 * Registers `grpc.health.v1.Health` on the router. Every known service shares one status, taken from
 * `options.check()`: at most one check runs at a time and its result is reused for `cacheMs`.
 * Check answers NOT_FOUND for an unknown service; Watch sends SERVICE_UNKNOWN and stays open, as the
 * protocol asks (https://github.com/grpc/grpc/blob/master/doc/health-checking.md).
 */
export function registerHealth(router: ConnectRouter, options: HealthOptions): void {
  const known = new Set(["", Health.typeName, ...options.services]);
  const probe = createProbe(options.check, options.cacheMs ?? 250);
  const intervalMs = options.watchIntervalMs ?? 1000;
  router.service(Health, {
    async check({ service }) {
      if (!known.has(service)) throw new ConnectError(`unknown service ${service}`, Code.NotFound);
      return response(await probe());
    },
    async list() {
      const status = response(await probe());
      return { statuses: Object.fromEntries([...known].map((service) => [service, status])) };
    },
    async *watch({ service }, { signal }) {
      if (!known.has(service)) {
        // Services are fixed at registration, so an unknown one never becomes known: hold the stream open.
        yield response(SERVICE_UNKNOWN);
        await aborted(signal);
        return;
      }
      const stop = aborted(signal);
      let last: ServingStatus | undefined;
      while (!signal.aborted) {
        // A hung check must not keep a cancelled stream alive.
        const status = await Promise.race([probe(), stop]);
        if (status === undefined) return;
        if (status !== last) yield response(status);
        last = status;
        await sleep(intervalMs, signal);
      }
    },
  });
}

/** Wraps `check` so concurrent callers share one in-flight call and a result is reused for `cacheMs`. */
function createProbe(check: () => Promise<boolean>, cacheMs: number): () => Promise<ServingStatus> {
  let cached: { status: ServingStatus; at: number } | undefined;
  let inFlight: Promise<ServingStatus> | undefined;
  return () => {
    if (cached !== undefined && performance.now() - cached.at < cacheMs)
      return Promise.resolve(cached.status);
    inFlight ??= check()
      .then(
        (ok) => (ok === true ? SERVING : NOT_SERVING),
        () => NOT_SERVING,
      )
      .then((status) => {
        cached = { status, at: performance.now() };
        inFlight = undefined;
        return status;
      });
    return inFlight;
  };
}

function response(status: ServingStatus): HealthCheckResponse {
  return create(HealthCheckResponseSchema, { status });
}

/** Resolves (with undefined) once the signal aborts. */
function aborted(signal: AbortSignal): Promise<undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(undefined);
    else signal.addEventListener("abort", () => resolve(undefined), { once: true });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
