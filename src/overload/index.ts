export {
  type CallerScopeInterceptorOptions,
  createCallerScopeInterceptor,
} from "./caller-scope-interceptor.ts";
export { createInFlightCounter, type InFlightCounter } from "./in-flight-counter.ts";
export {
  createLoadMonitor,
  type DelayHistogram,
  type LoadMonitor,
  type LoadMonitorOptions,
  type LoadSample,
  type LoadThresholds,
  type Pressure,
} from "./load-monitor.ts";
export {
  createOverloadInterceptor,
  type OverloadInterceptor,
  type OverloadInterceptorOptions,
  type OverloadStats,
  SHED_FLOOR,
} from "./overload-interceptor.ts";
