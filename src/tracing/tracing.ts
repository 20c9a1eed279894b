import { AsyncLocalStorage } from "node:async_hooks";
import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  type SpanOptions,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import type { TracingSettings } from "./tracing-settings.ts";

/**
 * This server's tracer, when tracing is on. Contexts are passed explicitly (no global tracer provider,
 * context manager or propagator is registered), so two servers in one process trace apart and nothing
 * outside Patchbay's own spans changes.
 */
export interface Tracing {
  /** Starts a span, child of whatever span `parent` holds. */
  start(name: string, options: SpanOptions, parent: Context): { span: Span; context: Context };
  /**
   * Runs `work` with `context` as the current one, for what cannot be handed a context (the database
   * driver's statements): everything `work` starts, awaits included, sees it through {@link active}.
   */
  run<T>(context: Context, work: () => T): T;
  /** The context the running code was given by {@link run}; undefined outside any. */
  active(): Context | undefined;
  /** The caller's trace context from W3C `traceparent`/`tracestate` headers (root when none). */
  extract(get: (name: string) => string | null | undefined): Context;
  /** Writes `traceparent` (and `tracestate`) for `context`'s span into `headers`. */
  inject(context: Context, headers: Record<string, string>): void;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** Ends `span` with an error status carrying only a stable code (never a message or payload). */
export function failSpan(span: Span, code: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  span.setAttribute("error.type", code);
}

function samplerOf(settings: TracingSettings): Sampler {
  const ratio = new TraceIdRatioBasedSampler(settings.samplerRatio);
  switch (settings.sampler) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return ratio;
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

export function createTracing(settings: TracingSettings, version: string): Tracing {
  const exporter =
    settings.exporter === "console"
      ? new ConsoleSpanExporter()
      : new OTLPTraceExporter({ url: settings.endpoint, headers: { ...settings.headers } });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": settings.serviceName, "service.version": version }),
    sampler: samplerOf(settings),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1_000 })],
  });
  const tracer: Tracer = provider.getTracer("patchbay", version);
  const propagator = new W3CTraceContextPropagator();
  // This server's own: two servers in one process never see each other's contexts.
  const current = new AsyncLocalStorage<Context>();
  return {
    start(name, options, parent) {
      const span = tracer.startSpan(name, options, parent);
      return { span, context: trace.setSpan(parent, span) };
    },
    run: (context, work) => current.run(context, work),
    active: () => current.getStore(),
    extract(get) {
      return propagator.extract(ROOT_CONTEXT, undefined, {
        keys: () => ["traceparent", "tracestate"],
        get: (_carrier, key) => get(key) ?? undefined,
      });
    },
    inject(context, headers) {
      propagator.inject(context, headers, {
        set: (carrier, key, value) => {
          (carrier as Record<string, string>)[key] = value;
        },
      });
    },
    shutdown: () => provider.shutdown(),
  };
}
