import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import {
  DEFAULT_RATE_LIMITS,
  parseRateLimits,
  RATE_LIMIT_PRESETS,
  RateLimitSpecError,
} from "../../src/ratelimit/index.ts";

function specErrorOf(spec: string): string {
  try {
    parseRateLimits(spec);
  } catch (error) {
    if (error instanceof RateLimitSpecError) return error.message;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(spec)} to be refused`);
}

describe("parseRateLimits", () => {
  it("reads tiers of requests per window", () => {
    expect(parseRateLimits("standard=600/60s,bulk=6000/60s,free=60/60s")).toEqual(
      new Map([
        ["standard", [{ points: 600, durationSeconds: 60 }]],
        ["bulk", [{ points: 6000, durationSeconds: 60 }]],
        ["free", [{ points: 60, durationSeconds: 60 }]],
      ]),
    );
  });

  it("reads every window unit, a bare unit as one of it, spaces and a trailing comma", () => {
    const tiers = parseRateLimits(" standard = 10/2s , a=1/m, b=2/3h, c=4/1d, ");
    expect(tiers?.get("standard")).toEqual([{ points: 10, durationSeconds: 2 }]);
    expect(tiers?.get("a")).toEqual([{ points: 1, durationSeconds: 60 }]);
    expect(tiers?.get("b")).toEqual([{ points: 2, durationSeconds: 10_800 }]);
    expect(tiers?.get("c")).toEqual([{ points: 4, durationSeconds: 86_400 }]);
  });

  it("reads several windows joined with + and unlimited tiers", () => {
    const tiers = parseRateLimits("standard=60/1m+1000/1d,internal=unlimited");
    expect(tiers?.get("standard")).toEqual([
      { points: 60, durationSeconds: 60 },
      { points: 1000, durationSeconds: 86_400 },
    ]);
    expect(tiers?.get("internal")).toEqual([]);
  });

  // Issue 19 item 15: the four plan tiers as named presets.
  it("reads the presets free, solo, team and enterprise, bare or as a tier's limits", () => {
    const minuteAndDay = (minute: number, day: number) => [
      { points: minute, durationSeconds: 60 },
      { points: day, durationSeconds: 86_400 },
    ];
    expect(parseRateLimits("standard=solo,free,solo,team,enterprise")).toEqual(
      new Map([
        ["standard", minuteAndDay(100, 500)],
        ["free", minuteAndDay(60, 50)],
        ["solo", minuteAndDay(100, 500)],
        ["team", minuteAndDay(500, 5000)],
        ["enterprise", []],
      ]),
    );
    expect([...RATE_LIMIT_PRESETS.keys()]).toEqual(["free", "solo", "team", "enterprise"]);
    // A preset's name stays free for a tier with its own windows.
    expect(parseRateLimits("standard=1/1s,free=10/1m")?.get("free")).toEqual([
      { points: 10, durationSeconds: 60 },
    ]);
  });

  it("turns limiting off with off, in any case", () => {
    expect(parseRateLimits("off")).toBeUndefined();
    expect(parseRateLimits(" OFF ")).toBeUndefined();
  });

  it("parses its own default", () => {
    expect([...(parseRateLimits(DEFAULT_RATE_LIMITS)?.keys() ?? [])]).toEqual(["standard", "bulk"]);
  });

  it.each([
    ["standard=600", /^entry "standard=600" must look like tier=600\/60s/],
    ["standard=600/60", /^entry "standard=600\/60" must look like/],
    ["standard=600/60x", /must look like/],
    ["standard=600/60s=1", /must look like/],
    ["standard=-1/60s", /must look like/],
    ["standard=0/60s", /^entry "standard=0\/60s" must allow 1 to 1000000000 requests$/],
    ["standard=1/0s", /^entry "standard=1\/0s" must use a window from 1s to 1d$/],
    ["standard=1/2d", /must use a window from 1s to 1d$/],
    ["standard=1/60s+2/1m", /^entry "standard=1\/60s\+2\/1m" repeats a window length$/],
    ["Standard=1/1s", /^tier name "Standard" must be 1-32 of \[a-z0-9_-\], starting with a letter$/],
    ["=1/1s", /^tier name "" must be/],
    ["standard=1/1s,standard=2/1s", /^tier "standard" is defined twice$/],
    ["bulk=1/1s", /^must define the standard tier/],
    ["standard", /^entry "standard" must look like .* \(presets: free, solo, team, enterprise\)$/],
    ["standard=gold", /^entry "standard=gold" must look like/],
    ["free", /^must define the standard tier/],
    ["", /^must define the standard tier/],
  ])("refuses %j in one line", (spec, message) => {
    const text = specErrorOf(spec);
    expect(text).toMatch(message);
    expect(text).not.toContain("\n");
  });
});

describe("PATCHBAY_RATE_LIMITS", () => {
  it("defaults to the documented tiers", () => {
    expect(loadConfig({}, false).rateLimits).toEqual(parseRateLimits(DEFAULT_RATE_LIMITS));
    expect(loadConfig({}, false).rateLimits?.get("standard")).toEqual([{ points: 600, durationSeconds: 60 }]);
  });

  it("is read and can be off", () => {
    expect(loadConfig({ PATCHBAY_RATE_LIMITS: "standard=5/1s" }, false).rateLimits).toEqual(
      new Map([["standard", [{ points: 5, durationSeconds: 1 }]]]),
    );
    expect(loadConfig({ PATCHBAY_RATE_LIMITS: "off" }, false).rateLimits).toBeUndefined();
  });

  it("keeps today's default and can name a preset", () => {
    expect(DEFAULT_RATE_LIMITS).toBe("standard=600/60s,bulk=6000/60s");
    expect(loadConfig({ PATCHBAY_RATE_LIMITS: "standard=free,team" }, false).rateLimits?.get("team")).toEqual(
      RATE_LIMIT_PRESETS.get("team"),
    );
  });

  it("fails with a one-line error naming the variable", () => {
    expect(() => loadConfig({ PATCHBAY_RATE_LIMITS: "standard=5" }, false)).toThrow(ConfigError);
    expect(() => loadConfig({ PATCHBAY_RATE_LIMITS: "standard=5" }, false)).toThrow(
      /^PATCHBAY_RATE_LIMITS entry "standard=5" must look like .* \(got "standard=5"\)$/,
    );
  });
});
