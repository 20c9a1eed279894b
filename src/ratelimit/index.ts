export { createFailOpenTracker, type FailOpenStats, type FailOpenTracker } from "./fail-open-tracker.ts";
export {
  ConcurrencyLimitSpecError,
  type ConcurrencyLimits,
  DEFAULT_CONCURRENCY_LIMITS,
  parseConcurrencyLimits,
} from "./parse-concurrency-limits.ts";
export {
  DEFAULT_RATE_LIMITS,
  DEFAULT_RATE_TIER,
  parseRateLimits,
  RATE_TIER_NAME,
  RateLimitSpecError,
  type RateLimitTiers,
  type RateLimitWindow,
} from "./parse-rate-limits.ts";
export {
  createRateLimitCheck,
  createRateLimitInterceptor,
  RATE_LIMIT_HEADERS,
  type RateLimitCheck,
  type RateLimitInterceptor,
  type RateLimitInterceptorOptions,
  type RateLimitVerdict,
} from "./rate-limit-interceptor.ts";
export { RATE_LIMIT_PRESETS } from "./rate-limit-presets.ts";
export {
  createRateLimitStoreClient,
  type RateLimitRow,
  type RateLimitStoreClient,
} from "./rate-limit-store-client.ts";
export {
  createRateLimiter,
  RATE_LIMIT_TABLE,
  type RateLimitDecision,
  type RateLimiter,
} from "./rate-limiter.ts";
