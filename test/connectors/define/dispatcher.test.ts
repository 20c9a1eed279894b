import { afterAll, describe, expect, it } from "vitest";
import { delayConnector } from "../../../src/connectors/builtin/delay.ts";
import {
  type ConnectorContext,
  type ConnectorLogger,
  defineCommand,
  defineConnector,
  executeDefinition,
  fail,
  type JsonObject,
  succeed,
  t,
} from "../../../src/connectors/index.ts";
import { createOutboundClient } from "../../../src/outbound/index.ts";

const outbound = createOutboundClient();
afterAll(() => outbound.close());

function contextFor(config: JsonObject, connectorConfig: JsonObject = {}): ConnectorContext {
  return { config, connectorConfig, variables: { existing: 1 }, stepId: "step-1", runId: "run-1", outbound };
}

interface LoggedLine {
  level: keyof ConnectorLogger;
  message: string;
  fields: JsonObject | undefined;
}

function recordingLogger(): { logger: ConnectorLogger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at =
    (level: keyof ConnectorLogger) =>
    (message: string, fields?: JsonObject): void => {
      lines.push({ level, message, fields });
    };
  return {
    lines,
    logger: {
      trace: at("trace"),
      debug: at("debug"),
      info: at("info"),
      warn: at("warn"),
      error: at("error"),
    },
  };
}

class WidgetError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`widget said ${status}`);
    this.status = status;
  }
}

/** Handlers record what they were called with here; `calls` counts handler runs. */
let calls = 0;
let seen: { params: unknown; connection: unknown; context: unknown; signal: AbortSignal } | undefined;
let toThrow: unknown;

const echoParams = {
  name: t.string({ required: true }),
  limit: t.number({ default: 50 }),
  mode: t.select(["fast", "slow"], { default: "fast" }),
  note: t.string(),
};

const widget = defineConnector({
  name: "widget",
  version: "1.0.0",
  description: "Test connector.",
  authType: "api_key",
  errorMap: (error) => {
    if (error instanceof WidgetError && error.status >= 500) {
      return { error: `Widget API error (${error.status})`, diagnostics: { status: error.status } };
    }
    if (error instanceof WidgetError) return { error: "Widget refused the call" };
    return null;
  },
  commands: {
    echo: defineCommand({
      description: "Returns its params.",
      params: echoParams,
      mock: {
        default: ({ params }) =>
          succeed({ payload: { mocked: true, name: params.name, limit: params.limit } }),
        empty: () => succeed({ payload: { items: [] } }),
      },
      handler(args) {
        calls += 1;
        seen = args;
        return succeed({ payload: { params: args.params } });
      },
    }),
    required: defineCommand({
      description: "Has required params declared zeta first.",
      params: {
        zeta: t.string({ required: true }),
        alpha: t.number({ required: true }),
        optional: t.string(),
        defaulted: t.number({ required: true, default: 3 }),
      },
      handler() {
        calls += 1;
        return succeed();
      },
    }),
    typed: defineCommand({
      description: "One param of each checked kind.",
      params: {
        count: t.number(),
        token: t.secret(),
        flag: t.boolean(),
        when: t.date(),
        mode: t.select(["fast", "slow"]),
        blob: t.raw(),
      },
      handler() {
        calls += 1;
        return succeed();
      },
    }),
    boom: defineCommand({
      description: "Throws `toThrow`.",
      params: {},
      handler() {
        throw toThrow;
      },
    }),
    old: defineCommand({
      description: "A deprecated command.",
      params: {},
      deprecated: true,
      deprecatedMessage: "use echo",
      mock: { default: () => succeed({ payload: { mocked: true } }) },
      handler() {
        calls += 1;
        return succeed({ payload: { ran: true } });
      },
    }),
    failing: defineCommand({
      description: "Returns fail() with variables.",
      params: {},
      handler: () =>
        fail({ error: "not today", diagnostics: { reason: "closed" }, variables: { closed: true } }),
    }),
  },
});

const withDefault = defineConnector({
  name: "with-default",
  version: "1.0.0",
  description: "Has a default command.",
  authType: "none",
  defaultCommand: "run",
  commands: {
    run: defineCommand({
      description: "The default.",
      params: { n: t.number({ default: 1 }) },
      handler: ({ params }) => succeed({ payload: { ran: "run", n: params.n } }),
    }),
    other: defineCommand({
      description: "Not the default.",
      params: {},
      handler: () => succeed({ payload: { ran: "other" } }),
    }),
  },
});

function run(config: JsonObject, connectorConfig: JsonObject = {}) {
  calls = 0;
  seen = undefined;
  return executeDefinition(widget, contextFor(config, connectorConfig));
}

describe("executeDefinition: params", () => {
  it("applies defaults to omitted params before the handler runs", async () => {
    const result = await run({ command: "echo", name: "a" });
    expect(result).toStrictEqual({
      success: true,
      payload: { params: { name: "a", limit: 50, mode: "fast" } },
    });
  });

  it("keeps given values over defaults", async () => {
    const result = await run({ command: "echo", name: "a", limit: 5, mode: "slow", note: "n" });
    expect(result.payload).toStrictEqual({ params: { name: "a", limit: 5, mode: "slow", note: "n" } });
  });

  it("applies the default when a defaulted param is given as null or empty", async () => {
    expect((await run({ command: "echo", name: "a", limit: null })).payload).toStrictEqual({
      params: { name: "a", limit: 50, mode: "fast" },
    });
    expect((await run({ command: "echo", name: "a", mode: "" })).payload).toStrictEqual({
      params: { name: "a", limit: 50, mode: "fast" },
    });
  });

  it("drops an optional param given as null so the handler sees it absent", async () => {
    const result = await run({ command: "echo", name: "a", note: null });
    expect(result.payload).toStrictEqual({ params: { name: "a", limit: 50, mode: "fast" } });
  });

  it("names every missing required param in declaration order and does not run the handler", async () => {
    const result = await run({ command: "required" });
    expect(result).toStrictEqual({
      success: false,
      error: "Missing required field(s): zeta, alpha",
      errorCode: "MISSING_REQUIRED_FIELDS",
    });
    expect(calls).toBe(0);
  });

  it("counts an empty string and null as missing", async () => {
    const result = await run({ command: "required", zeta: "", alpha: null });
    expect(result.error).toBe("Missing required field(s): zeta, alpha");
  });

  it("does not count 0 or false as missing", async () => {
    const result = await run({ command: "required", zeta: "z", alpha: 0 });
    expect(result).toStrictEqual({ success: true });
    expect(calls).toBe(1);
  });

  it.each([
    ["count", 12.5, null],
    ["count", "12", "count must be a number"],
    ["count", Number.NaN, "count must be a number"],
    ["token", 424242, "token must be a string"],
    ["flag", "yes", "flag must be true or false"],
    ["when", "not-a-date-xyz", "when must be an RFC 3339 date"],
    ["when", "2024-03-07T10:00:00Z", null],
    ["mode", "warp-9", "mode must be one of fast, slow"],
    ["blob", { any: ["thing"] }, null],
  ])("checks %s = %j against its declared type", async (key, value, problem) => {
    const result = await run({ command: "typed", [key]: value });
    if (problem === null) {
      expect(result).toStrictEqual({ success: true });
      return;
    }
    expect(result).toStrictEqual({
      success: false,
      error: `Invalid field(s): ${problem}`,
      errorCode: "INVALID_PARAMS",
    });
    expect(calls).toBe(0);
  });

  it("names every invalid field and its rule but never the value", async () => {
    const result = await run({ command: "typed", count: "sk_live_41", token: 9_876_543, mode: "hunter2" });
    expect(result.errorCode).toBe("INVALID_PARAMS");
    expect(result.error).toBe(
      "Invalid field(s): count must be a number; token must be a string; mode must be one of fast, slow",
    );
    for (const value of ["sk_live_41", "9876543", "hunter2"]) expect(result.error).not.toContain(value);
  });

  it("reports missing fields before invalid ones", async () => {
    const result = await run({ command: "required", alpha: "one" });
    expect(result.error).toBe("Missing required field(s): zeta");
  });

  it("refuses a date that is not RFC 3339", async () => {
    const result = await run({ command: "typed", when: "March 7, 2024" });
    expect(result.errorCode).toBe("INVALID_PARAMS");
  });
});

describe("executeDefinition: choosing the command", () => {
  const context = (config: JsonObject) => contextFor(config);

  it("runs defaultCommand when config.command is absent, with the rest of config as params", async () => {
    expect(await executeDefinition(withDefault, context({ n: 4 }))).toStrictEqual({
      success: true,
      payload: { ran: "run", n: 4 },
    });
  });

  it("runs the named command over the default", async () => {
    expect((await executeDefinition(withDefault, context({ command: "other" }))).payload).toStrictEqual({
      ran: "other",
    });
  });

  it("refuses an unknown command and lists the known ones", async () => {
    expect(await run({ command: "explode" })).toStrictEqual({
      success: false,
      error:
        "Unknown command 'explode' for connector 'widget'. Known commands: echo, required, typed, boom, old, failing",
      errorCode: "UNKNOWN_COMMAND",
    });
  });

  it("does not treat inherited object keys as commands", async () => {
    expect((await run({ command: "toString" })).errorCode).toBe("UNKNOWN_COMMAND");
    expect((await run({ command: "__proto__" })).errorCode).toBe("UNKNOWN_COMMAND");
  });

  it("refuses a call with no command when the connector has no default", async () => {
    expect(await run({ name: "a" })).toStrictEqual({
      success: false,
      error: "No command given. Known commands: echo, required, typed, boom, old, failing",
      errorCode: "NO_COMMAND",
    });
    expect(calls).toBe(0);
  });

  it("refuses a command that is not a string instead of running the default", async () => {
    const result = await executeDefinition(withDefault, context({ command: 42 }));
    expect(result.success).toBe(false);
  });
});

describe("executeDefinition: outcomes and thrown errors", () => {
  const runBoom = (thrown: unknown) => {
    toThrow = thrown;
    return run({ command: "boom" });
  };

  it("passes a returned fail() through with its diagnostics and variables", async () => {
    expect(await run({ command: "failing" })).toStrictEqual({
      success: false,
      error: "not today",
      diagnostics: { reason: "closed" },
      variables: { closed: true },
    });
  });

  it("turns a thrown Error that errorMap does not match into its message", async () => {
    expect(await runBoom(new TypeError("socket hang up"))).toStrictEqual({
      success: false,
      error: "socket hang up",
      errorCode: "HANDLER_THREW",
    });
  });

  it("turns a thrown string into that string", async () => {
    expect(await runBoom("plain text thrown")).toStrictEqual({
      success: false,
      error: "plain text thrown",
      errorCode: "HANDLER_THREW",
    });
  });

  it("turns a thrown non-Error object into String(error)", async () => {
    const result = await runBoom({ code: 7 });
    expect(result).toStrictEqual({ success: false, error: "[object Object]", errorCode: "HANDLER_THREW" });
  });

  it("uses errorMap's error and diagnostics when it matches", async () => {
    expect(await runBoom(new WidgetError(503))).toStrictEqual({
      success: false,
      error: "Widget API error (503)",
      diagnostics: { status: 503 },
    });
  });

  it("uses errorMap's error alone when it returns no diagnostics", async () => {
    expect(await runBoom(new WidgetError(404))).toStrictEqual({
      success: false,
      error: "Widget refused the call",
    });
  });

  it("falls back to the message when errorMap returns null", async () => {
    const result = await runBoom(new RangeError("out of range"));
    expect(result.error).toBe("out of range");
  });

  it("uses the message when the connector has no errorMap", async () => {
    const result = await executeDefinition(
      defineConnector({
        name: "no-map",
        version: "1.0.0",
        description: "No errorMap.",
        authType: "none",
        commands: {
          go: defineCommand({
            description: "Throws.",
            params: {},
            handler: () => {
              throw new WidgetError(500);
            },
          }),
        },
      }),
      contextFor({ command: "go" }),
    );
    expect(result).toStrictEqual({ success: false, error: "widget said 500", errorCode: "HANDLER_THREW" });
  });

  it("normalizes what the handler returned (legacy keys refused)", async () => {
    const legacy = defineConnector({
      name: "legacy",
      version: "1.0.0",
      description: "Returns protocol 1.x keys.",
      authType: "none",
      commands: {
        go: defineCommand({
          description: "Legacy.",
          params: {},
          // A protocol 1.x handler written without types: exactly what the dispatcher must refuse.
          handler: () => JSON.parse('{"success": true, "data": {"id": 1}}'),
        }),
      },
    });
    const result = await executeDefinition(legacy, contextFor({ command: "go" }));
    expect(result.errorCode).toBe("LEGACY_RESULT_KEYS");
  });

  it("returns a failure when errorMap itself throws", async () => {
    const brokenMap = defineConnector({
      name: "broken-map",
      version: "1.0.0",
      description: "errorMap throws.",
      authType: "none",
      errorMap: () => {
        throw new Error("errorMap bug");
      },
      commands: {
        go: defineCommand({
          description: "Throws.",
          params: {},
          handler: () => {
            throw new Error("original");
          },
        }),
      },
    });
    const result = await executeDefinition(brokenMap, contextFor({ command: "go" }));
    expect(result).toMatchObject({ success: false, error: "original" });
  });
});

describe("executeDefinition: deprecation", () => {
  it("runs a deprecated command and logs a structured warning", async () => {
    const { logger, lines } = recordingLogger();
    const result = await executeDefinition(widget, contextFor({ command: "old" }), { logger });
    expect(result).toStrictEqual({ success: true, payload: { ran: true } });
    expect(lines).toStrictEqual([
      {
        level: "warn",
        message: "deprecated command called",
        fields: { connector: "widget", command: "old", deprecatedMessage: "use echo" },
      },
    ]);
  });

  it("logs no warning for a command that is not deprecated", async () => {
    const { logger, lines } = recordingLogger();
    await executeDefinition(widget, contextFor({ command: "echo", name: "a" }), { logger });
    expect(lines).toStrictEqual([]);
  });
});

describe("executeDefinition: mock scenarios", () => {
  it("answers from the named scenario without running the handler", async () => {
    calls = 0;
    const result = await executeDefinition(widget, contextFor({ command: "echo", name: "a" }), {
      mockScenario: "empty",
    });
    expect(result).toStrictEqual({ success: true, payload: { items: [] } });
    expect(calls).toBe(0);
  });

  it("gives the scenario the checked params with defaults applied", async () => {
    const result = await executeDefinition(widget, contextFor({ command: "echo", name: "a" }), {
      mockScenario: "default",
    });
    expect(result.payload).toStrictEqual({ mocked: true, name: "a", limit: 50 });
  });

  it("still checks required params in mock mode", async () => {
    const result = await executeDefinition(widget, contextFor({ command: "echo" }), {
      mockScenario: "default",
    });
    expect(result.error).toBe("Missing required field(s): name");
  });

  it("refuses a scenario the command does not have", async () => {
    const result = await executeDefinition(widget, contextFor({ command: "echo", name: "a" }), {
      mockScenario: "flaky",
    });
    expect(result).toStrictEqual({
      success: false,
      error: "Command 'echo' has no mock scenario 'flaky'",
      errorCode: "NO_MOCK_SCENARIO",
    });
  });

  it("refuses mock mode for a command with no mock block", async () => {
    const result = await executeDefinition(widget, contextFor({ command: "failing" }), {
      mockScenario: "default",
    });
    expect(result.errorCode).toBe("NO_MOCK_SCENARIO");
  });

  it("warns about a deprecated command in mock mode too", async () => {
    const { logger, lines } = recordingLogger();
    const result = await executeDefinition(widget, contextFor({ command: "old" }), {
      logger,
      mockScenario: "default",
    });
    expect(result.payload).toStrictEqual({ mocked: true });
    expect(lines.map((line) => line.level)).toStrictEqual(["warn"]);
  });

  it("returns a failure when a mock scenario throws", async () => {
    const throwing = defineConnector({
      name: "throwing-mock",
      version: "1.0.0",
      description: "Mock throws.",
      authType: "none",
      commands: {
        go: defineCommand({
          description: "Mock throws.",
          params: {},
          mock: {
            default: () => {
              throw new Error("scenario broke");
            },
          },
          handler: () => succeed(),
        }),
      },
    });
    const result = await executeDefinition(throwing, contextFor({ command: "go" }), {
      mockScenario: "default",
    });
    expect(result).toMatchObject({ success: false, error: "scenario broke" });
  });
});

describe("executeDefinition: handler arguments", () => {
  it("passes the context through unchanged", async () => {
    const context = contextFor({ command: "echo", name: "a" }, { baseUrl: "http://127.0.0.1:1" });
    await executeDefinition(widget, context);
    expect(seen?.context).toBe(context);
  });

  it("passes context.connectorConfig as connection", async () => {
    const connectorConfig = { baseUrl: "http://127.0.0.1:1", apiKey: "k" };
    const context = contextFor({ command: "echo", name: "a" }, connectorConfig);
    await executeDefinition(widget, context);
    expect(seen?.connection).toBe(connectorConfig);
  });

  it("passes the caller's abort signal to the handler", async () => {
    const controller = new AbortController();
    await executeDefinition(widget, contextFor({ command: "echo", name: "a" }), {
      signal: controller.signal,
    });
    expect(seen?.signal).toBe(controller.signal);
  });

  it("gives the handler a live signal when the caller passes none", async () => {
    await executeDefinition(widget, contextFor({ command: "echo", name: "a" }));
    expect(seen?.signal).toBeInstanceOf(AbortSignal);
    expect(seen?.signal.aborted).toBe(false);
  });

  it("ends a delay early as a failure when the call is aborted", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    const result = await executeDefinition(delayConnector, contextFor({ delayMs: 60_000 }), {
      signal: controller.signal,
    });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/abort/i);
  }, 5_000);

  it("fails a delay at once when the signal is already aborted", async () => {
    const result = await executeDefinition(delayConnector, contextFor({ delayMs: 60_000 }), {
      signal: AbortSignal.abort(),
    });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/abort/i);
  }, 5_000);

  it("runs delay as its default command and reports the wait", async () => {
    expect(await executeDefinition(delayConnector, contextFor({ delayMs: 1 }))).toStrictEqual({
      success: true,
      payload: { delayed: 1 },
    });
  });
});
