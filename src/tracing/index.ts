export { traceContextKey } from "./trace-context-key.ts";
export { traceOutbound } from "./trace-outbound.ts";
export { traceStatements } from "./trace-statements.ts";
export { createTracing, failSpan, type Tracing } from "./tracing.ts";
export { TRACE_SAMPLERS, type TracingSettings } from "./tracing-settings.ts";
