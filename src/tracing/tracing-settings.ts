/** Samplers of the OTEL_TRACES_SAMPLER variable that Patchbay understands. */
export const TRACE_SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;

/** How traces are exported, from the standard OTEL_* variables (read by `loadConfig`). */
export interface TracingSettings {
  /** `otlp` (OTLP over HTTP, JSON) or `console` (one line per span on standard output). */
  readonly exporter: "otlp" | "console";
  /** The OTLP/HTTP traces URL (`…/v1/traces`); for `otlp` only. */
  readonly endpoint: string;
  /** Headers sent with each export (an authentication token, for instance). */
  readonly headers: Readonly<Record<string, string>>;
  readonly serviceName: string;
  readonly sampler: (typeof TRACE_SAMPLERS)[number];
  /** The ratio of the `traceidratio` samplers, 0 to 1. */
  readonly samplerRatio: number;
}
