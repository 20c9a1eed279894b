import { z } from "zod";
import { type Env, httpUrl, read } from "../config-values.ts";
import { TRACE_SAMPLERS, type TracingSettings } from "./tracing-settings.ts";

/** `key=value,key2=value2`, values URL-encoded (the OTLP exporters' header syntax). */
const otlpHeaders = z.string().transform((v, ctx) => {
  const headers: Record<string, string> = {};
  for (const pair of v
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = pair.indexOf("=");
    const name = pair.slice(0, at).trim().toLowerCase();
    if (at <= 0 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) {
      ctx.issues.push({ code: "custom", message: "must be key=value pairs separated by commas", input: v });
      return z.NEVER;
    }
    headers[name] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
});

/**
 * The standard OpenTelemetry variables Patchbay honours. Tracing is on when OTEL_TRACES_EXPORTER names an
 * exporter (`otlp`, `console`) or an OTLP endpoint is set, and off with OTEL_SDK_DISABLED=true or
 * OTEL_TRACES_EXPORTER=none.
 */
export function readTracing(env: Env): TracingSettings | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  const named = read(
    env,
    "OTEL_TRACES_EXPORTER",
    z.enum(["otlp", "console", "none"], { error: "must be otlp, console or none" }),
  );
  const tracesEndpoint = read(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", httpUrl);
  const baseEndpoint = read(env, "OTEL_EXPORTER_OTLP_ENDPOINT", httpUrl);
  if (named === "none" || (named === undefined && tracesEndpoint === undefined && baseEndpoint === undefined))
    return undefined;
  const endpoint =
    tracesEndpoint ??
    (baseEndpoint === undefined ? "http://localhost:4318/v1/traces" : `${baseEndpoint}/v1/traces`);
  const headers =
    read(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", otlpHeaders) ??
    read(env, "OTEL_EXPORTER_OTLP_HEADERS", otlpHeaders) ??
    {};
  return {
    exporter: named ?? "otlp",
    endpoint,
    headers,
    serviceName: read(env, "OTEL_SERVICE_NAME", z.string().min(1).max(200)) ?? "patchbay",
    sampler:
      read(
        env,
        "OTEL_TRACES_SAMPLER",
        z.enum(TRACE_SAMPLERS, { error: `must be one of ${TRACE_SAMPLERS.join(", ")}` }),
      ) ?? "parentbased_always_on",
    samplerRatio:
      read(
        env,
        "OTEL_TRACES_SAMPLER_ARG",
        z
          .string()
          .regex(/^(0(\.\d+)?|1(\.0+)?)$/, "must be a number from 0 to 1")
          .transform(Number),
      ) ?? 1,
  };
}
