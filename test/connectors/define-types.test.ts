// Type-level tests: `tsc --noEmit` over test/ (npm run check) is what makes them bite. Each
// `expectTypeOf` fails type-checking when inference changes, and each `@ts-expect-error` fails it when the
// misuse below it stops being an error.
import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import {
  type CommandOutcome,
  type ConnectorContext,
  type ConnectorLogger,
  type ConnectorResult,
  defineCommand,
  defineConnector,
  executeDefinition,
  fail,
  type InferFields,
  type PlainOutcome,
  succeed,
  t,
} from "../../src/connectors/index.ts";
import { createOutboundClient } from "../../src/outbound/index.ts";

const outbound = createOutboundClient();
afterAll(() => outbound.close());

interface WidgetConnection {
  baseUrl: string;
  apiKey: string;
}

interface Filter {
  tags: string[];
}

const params = {
  name: t.string({ required: true }),
  limit: t.number({ default: 50 }),
  note: t.string(),
  count: t.number(),
  flag: t.boolean({ description: "Optional flag." }),
  enabled: t.boolean({ default: false }),
  since: t.date({ required: true }),
  token: t.secret({ required: true }),
  mode: t.select(["fast", "slow"], { default: "fast" }),
  kind: t.select(["a", "b", "c"]),
  filter: t.raw<Filter>(),
  anything: t.raw(),
  notRequired: t.string({ required: false }),
};

describe("field type inference", () => {
  it("types required fields as their value type", () => {
    expectTypeOf<InferFields<typeof params>["name"]>().toEqualTypeOf<string>();
    expectTypeOf<InferFields<typeof params>["since"]>().toEqualTypeOf<string>();
    expectTypeOf<InferFields<typeof params>["token"]>().toEqualTypeOf<string>();
  });

  it("types defaulted fields as always present", () => {
    expectTypeOf<InferFields<typeof params>["limit"]>().toEqualTypeOf<number>();
    expectTypeOf<InferFields<typeof params>["enabled"]>().toEqualTypeOf<boolean>();
    expectTypeOf<InferFields<typeof params>["mode"]>().toEqualTypeOf<"fast" | "slow">();
  });

  it("types optional fields as possibly undefined", () => {
    expectTypeOf<InferFields<typeof params>["note"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<InferFields<typeof params>["count"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<InferFields<typeof params>["flag"]>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<InferFields<typeof params>["notRequired"]>().toEqualTypeOf<string | undefined>();
  });

  it("types a select as the union of its literal values", () => {
    expectTypeOf<InferFields<typeof params>["kind"]>().toEqualTypeOf<"a" | "b" | "c" | undefined>();
  });

  it("types raw<T> as T | undefined and bare raw() as unknown", () => {
    expectTypeOf<InferFields<typeof params>["filter"]>().toEqualTypeOf<Filter | undefined>();
    expectTypeOf<InferFields<typeof params>["anything"]>().toEqualTypeOf<unknown>();
  });

  it("types a required or defaulted raw<T> as T", () => {
    const rawParams = { filter: t.raw<Filter>({ required: true }), tags: t.raw<string[]>({ default: [] }) };
    // Explicit `T` with required/default still yields a present value (the `t.raw` overloads).
    expectTypeOf<InferFields<typeof rawParams>["filter"]>().toEqualTypeOf<Filter>();
    expectTypeOf<InferFields<typeof rawParams>["tags"]>().toEqualTypeOf<string[]>();
  });

  it("refuses defaults and options of the wrong type", () => {
    // @ts-expect-error a number field's default must be a number
    t.number({ default: "50" });
    // @ts-expect-error a select's default must be one of its values
    t.select(["fast", "slow"], { default: "warp" });
    // @ts-expect-error a select needs at least one value
    t.select([]);
    // @ts-expect-error required is a boolean
    t.string({ required: "yes" });
    expect(t.number({ default: 1 }).default).toBe(1);
  });
});

describe("handler argument inference", () => {
  it("types params from the schema and connection from the second generic", async () => {
    const command = defineCommand<typeof params, WidgetConnection>({
      description: "Typed.",
      params,
      handler({ params, connection, logger, context, signal }) {
        expectTypeOf(params.name).toEqualTypeOf<string>();
        expectTypeOf(params.limit).toEqualTypeOf<number>();
        expectTypeOf(params.note).toEqualTypeOf<string | undefined>();
        expectTypeOf(params.mode).toEqualTypeOf<"fast" | "slow">();
        expectTypeOf(params.kind).toEqualTypeOf<"a" | "b" | "c" | undefined>();
        expectTypeOf(params.filter).toEqualTypeOf<Filter | undefined>();
        expectTypeOf(connection).toEqualTypeOf<WidgetConnection>();
        expectTypeOf(connection.apiKey).toEqualTypeOf<string>();
        expectTypeOf(logger).toEqualTypeOf<ConnectorLogger>();
        expectTypeOf(context).toEqualTypeOf<ConnectorContext>();
        expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
        // @ts-expect-error `missing` is not in the schema
        void params.missing;
        // @ts-expect-error WidgetConnection has no `password`
        void connection.password;
        // Never called: only type-checked.
        const misuse = () =>
          // @ts-expect-error an optional param may be undefined
          params.note.toUpperCase();
        void misuse;
        return succeed({ payload: { name: params.name, limit: params.limit } });
      },
    });
    const result = await executeDefinition(
      defineConnector({
        name: "typed",
        version: "1.0.0",
        description: "Typed.",
        authType: "none",
        commands: { go: command },
      }),
      {
        config: { command: "go", name: "n", since: "2024-01-01", token: "tok" },
        connectorConfig: { baseUrl: "http://127.0.0.1:1", apiKey: "k" },
        variables: {},
        stepId: "s",
        runId: "r",
        outbound,
      },
    );
    expectTypeOf(result).toEqualTypeOf<ConnectorResult>();
    expect(result).toStrictEqual({ success: true, payload: { name: "n", limit: 50 } });
  });

  it("infers params from an inline schema and falls back to Record<string, unknown> for connection", () => {
    defineCommand({
      description: "Inline.",
      params: { id: t.string({ required: true }), page: t.number() },
      handler({ params, connection }) {
        expectTypeOf(params).toEqualTypeOf<{ id: string; page: number | undefined }>();
        expectTypeOf(connection).toEqualTypeOf<Record<string, unknown>>();
        expectTypeOf(connection.baseUrl).toEqualTypeOf<unknown>();
        return succeed();
      },
    });
  });

  it("types mock scenarios' params from the same schema", () => {
    defineCommand<typeof params, WidgetConnection>({
      description: "Mocked.",
      params,
      mock: {
        default: ({ params }) => {
          expectTypeOf(params.limit).toEqualTypeOf<number>();
          // @ts-expect-error `missing` is not in the schema
          void params.missing;
          return succeed();
        },
      },
      handler: () => succeed(),
    });
  });
});

describe("handler return types", () => {
  it("accepts succeed(), fail(), a plain ConnectorResult, and promises of them", () => {
    expectTypeOf(succeed()).toExtend<CommandOutcome>();
    expectTypeOf(fail({ error: "x" })).toExtend<CommandOutcome>();
    expectTypeOf<ConnectorResult>().toExtend<CommandOutcome>();
    defineCommand({ description: "Sync.", params: {}, handler: () => ({ success: false, diagnostics: {} }) });
    defineCommand({ description: "Async.", params: {}, handler: async () => fail({ error: "x" }) });
  });

  // Item 10: the connector docs allow a plain `{ payload, variables }` (the same as succeed(...)).
  it("accepts a plain { payload, variables } object, sync and async, beside the outcome helpers", () => {
    expectTypeOf<{ payload: { id: number }; variables: { postCount: number } }>().toExtend<CommandOutcome>();
    expectTypeOf<{ payload: { id: number } }>().toExtend<PlainOutcome>();
    expectTypeOf<PlainOutcome>().toExtend<CommandOutcome>();
    defineCommand({
      description: "Plain.",
      params: { id: t.number({ required: true }) },
      handler: ({ params }) => ({ payload: { id: params.id }, variables: { lastId: params.id } }),
    });
    defineCommand({
      description: "Plain async.",
      params: {},
      handler: async () => ({ payload: { ok: true } }),
    });
    defineCommand({
      description: "Variables only.",
      params: {},
      handler: () => ({ variables: { seen: 1 } }),
    });
    defineCommand({ description: "Helper.", params: {}, handler: () => succeed({ payload: { ok: true } }) });
  });

  it("refuses a plain object whose slots are not objects, or that mixes in a non-boolean success", () => {
    defineCommand({
      description: "Array payload.",
      params: {},
      // @ts-expect-error payload must be an object
      handler: () => ({ payload: [1, 2] }),
    });
    defineCommand({
      description: "Wrong success beside a payload.",
      params: {},
      // @ts-expect-error `success` must be a boolean, also next to plain slots
      handler: () => ({ success: "yes", payload: {} }),
    });
  });

  it("refuses shapes that are not a CommandOutcome", () => {
    defineCommand({
      description: "Wrong shape.",
      params: {},
      // @ts-expect-error `success` must be a boolean
      handler: () => ({ success: "yes" }),
    });
    defineCommand({
      description: "Legacy shape.",
      params: {},
      // @ts-expect-error protocol 1.x `data` without `success` is not an outcome
      handler: () => ({ data: { id: 1 } }),
    });
    defineCommand({
      description: "No return.",
      params: {},
      // @ts-expect-error an async handler must return an outcome: write `return succeed();` (seed 004)
      handler: async () => {},
    });
    // @ts-expect-error fail() needs an error message
    fail({ diagnostics: {} });
    // @ts-expect-error payload must be an object
    succeed({ payload: [1, 2] });
  });

  it("refuses an errorMap that returns something other than { error, diagnostics? } or null", () => {
    defineConnector({
      name: "bad-map",
      version: "1.0.0",
      description: "Bad errorMap.",
      authType: "none",
      // @ts-expect-error errorMap must return { error: string, diagnostics? } or null
      errorMap: () => ({ message: "nope" }),
      commands: {},
    });
  });

  it("refuses a mock scenario no call could ask for by name", () => {
    const withScenario = (scenario: string) =>
      defineConnector({
        name: "mocked",
        version: "1.0.0",
        description: "Mock scenario names.",
        authType: "none",
        commands: {
          ping: {
            description: "Ping.",
            params: {},
            mock: { [scenario]: () => succeed() },
            handler: () => succeed(),
          },
        },
      });
    expect(() => withScenario("rate_limited-2")).not.toThrow();
    expect(() => withScenario("rate limited")).toThrow(/mock scenario 'rate limited' breaks the rule/);
    expect(() => withScenario("x".repeat(65))).toThrow(/breaks the rule of metadata.mock_scenario/);
  });

  it("refuses an unknown authType", () => {
    defineConnector({
      name: "bad-auth",
      version: "1.0.0",
      description: "Bad authType.",
      // @ts-expect-error authType is "none", "api_key" or "oauth"
      authType: "basic",
      commands: {},
    });
  });
});
