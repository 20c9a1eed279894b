import { defineCommand, defineConnector } from "../../../src/connectors/define/define-connector.ts";
import { t } from "../../../src/connectors/define/fields.ts";
import { fail, succeed } from "../../../src/connectors/define/outcome.ts";

/** A small connector for the external-connector tests. */
export const greeterFixture = defineConnector({
  name: "greeter-test",
  version: "1.2.3",
  description: "Greets people.",
  authType: "api_key",
  connectionConfig: {
    apiKey: t.secret({ required: true, description: "API key." }),
  },
  commands: {
    hello: defineCommand({
      description: "Says hello.",
      readOnly: true,
      params: { name: t.string({ required: true }), punctuation: t.string({ default: "!" }) },
      outputs: ["greeting"],
      handler: ({ params, context }) =>
        succeed({
          payload: { greeting: `Hello, ${params.name}${params.punctuation ?? ""}`, runId: context.runId },
          variables: { greeted: params.name, keyLength: String(context.connectorConfig.apiKey ?? "").length },
        }),
    }),
    reject: defineCommand({
      description: "Always fails.",
      params: {},
      handler: () =>
        fail({
          error: "Upstream rejected the request",
          diagnostics: { statusCode: 502 },
          variables: { rejected: true },
        }),
    }),
    boom: defineCommand({
      description: "Throws.",
      params: {},
      handler: () => {
        throw new Error("secret detail jane@example.com");
      },
    }),
  },
});
