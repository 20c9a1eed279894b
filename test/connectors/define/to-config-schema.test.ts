import { toJson } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ConfigSchemaSchema } from "../../../gen/patchbay/v1/common_pb.ts";
import { delayConnector } from "../../../src/connectors/builtin/delay.ts";
import { httpConnector } from "../../../src/connectors/builtin/http.ts";
import { placeholderApiConnector } from "../../../src/connectors/builtin/placeholder-api.ts";
import {
  type ConnectorDefinition,
  defineCommand,
  defineConnector,
  succeed,
  t,
  toConfigSchema,
} from "../../../src/connectors/index.ts";

/** The schema as the catalog stores it: proto JSON, values equal to their default left out. */
const stored = (definition: ConnectorDefinition) => toJson(ConfigSchemaSchema, toConfigSchema(definition));

describe("toConfigSchema", () => {
  it("describes delay in the seed's configSchema shape", () => {
    expect(stored(delayConnector)).toStrictEqual({
      commands: {
        wait: {
          description: "Wait for delayMs milliseconds.",
          params: ["delayMs"],
          outputs: ["delayed"],
          paramSchema: {
            delayMs: {
              type: "number",
              description: "Milliseconds to wait (at most one hour).",
              default: 1000,
            },
          },
          readOnly: true,
        },
      },
    });
  });

  it("describes http in the seed's configSchema shape", () => {
    expect(stored(httpConnector)).toStrictEqual({
      commands: {
        request: {
          description: "Send one HTTP request.",
          params: ["url", "method", "headers", "body", "timeoutMs"],
          outputs: ["status", "headers", "body"],
          paramSchema: {
            url: { type: "string", required: true, description: "Absolute http(s) URL." },
            method: {
              type: "select",
              description: "HTTP method.",
              default: "GET",
              options: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"],
            },
            headers: { type: "raw", description: "Request headers as an object of strings." },
            body: { type: "raw", description: "Request body; objects are sent as JSON." },
            timeoutMs: {
              type: "number",
              description: "Give up after this many milliseconds.",
              default: 30000,
            },
          },
        },
      },
    });
  });

  it("marks secret connection fields as secret and keeps labels and placeholders", () => {
    expect(stored(placeholderApiConnector).connectionConfig).toStrictEqual({
      baseUrl: {
        type: "string",
        required: true,
        description: "API base URL.",
        placeholder: "https://jsonplaceholder.typicode.com",
      },
      apiKey: {
        type: "secret",
        required: true,
        secret: true,
        description: "API key, sent as a bearer token.",
      },
    });
  });

  it("lists params in declaration order and carries deprecation metadata", () => {
    const schema = stored(
      defineConnector({
        name: "meta",
        version: "2.1.0",
        description: "Metadata.",
        authType: "none",
        commands: {
          old: defineCommand({
            description: "Old.",
            params: { zeta: t.string({ label: "Zeta" }), alpha: t.boolean({ default: false }) },
            deprecated: true,
            deprecatedMessage: "use new",
            addedInVersion: "1.0.0",
            handler: () => succeed(),
          }),
        },
      }),
    );
    expect(schema.commands?.old).toStrictEqual({
      description: "Old.",
      params: ["zeta", "alpha"],
      paramSchema: { zeta: { type: "string", label: "Zeta" }, alpha: { type: "boolean", default: false } },
      deprecated: true,
      deprecatedMessage: "use new",
      addedInVersion: "1.0.0",
    });
  });

  it("carries the effect hints a command declares, false ones included, and leaves the others out", () => {
    const command = (hints: object) =>
      defineCommand({ description: "C.", params: {}, ...hints, handler: () => succeed() });
    const schema = stored(
      defineConnector({
        name: "effects",
        version: "1.0.0",
        description: "Effects.",
        authType: "none",
        commands: {
          read: command({ readOnly: true }),
          remove: command({ readOnly: false, destructive: true, idempotent: true }),
          add: command({ destructive: false, idempotent: false }),
          unknown: command({}),
        },
      }),
    );
    expect(schema.commands?.read).toStrictEqual({ description: "C.", readOnly: true });
    expect(schema.commands?.remove).toStrictEqual({
      description: "C.",
      readOnly: false,
      destructive: true,
      idempotent: true,
    });
    expect(schema.commands?.add).toStrictEqual({ description: "C.", destructive: false, idempotent: false });
    expect(schema.commands?.unknown).toStrictEqual({ description: "C." });
  });

  it.each([
    [{ readOnly: true, destructive: true }, "command 'c' is read_only, so destructive cannot be true"],
    [{ readOnly: true, idempotent: false }, "command 'c' is read_only, so idempotent cannot be false"],
  ])("refuses contradictory effect hints when the module loads: %o", (hints, message) => {
    expect(() =>
      defineConnector({
        name: "contradiction",
        version: "1.0.0",
        description: "Contradiction.",
        authType: "none",
        commands: { c: defineCommand({ description: "C.", params: {}, ...hints, handler: () => succeed() }) },
      }),
    ).toThrow(`connector 'contradiction' ${message}`);
  });

  it("copies option lists so the stored schema cannot change the definition", () => {
    const schema = toConfigSchema(httpConnector);
    schema.commands.request?.paramSchema.method?.options.push("TRACE");
    expect(toConfigSchema(httpConnector).commands.request?.paramSchema.method?.options).not.toContain(
      "TRACE",
    );
  });
});
