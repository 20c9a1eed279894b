// A runnable external connector: `node examples/external-connector/main.ts` (PORT, default 9090; HOST,
// default 127.0.0.1). It speaks gRPC, Connect and the plain HTTP protocol 2.0 on one port.
import process from "node:process";
import { defineCommand, defineConnector } from "../../src/connectors/define/define-connector.ts";
import { t } from "../../src/connectors/define/fields.ts";
import { fail, succeed } from "../../src/connectors/define/outcome.ts";
import { serveConnector } from "../../src/connectors/external/index.ts";

/** The example connector: `hello {name}` and a connectivity `test`. */
export const greeter = defineConnector({
  name: "greeter",
  version: "1.0.0",
  description: "Says hello; an example external connector.",
  authType: "none",
  commands: {
    hello: defineCommand({
      description: "Greets someone by name.",
      params: { name: t.string({ required: true, description: "Who to greet." }) },
      outputs: ["greeting"],
      handler: ({ params }) =>
        params.name.length > 100
          ? fail({ error: "name longer than 100 characters", diagnostics: { limit: 100 } })
          : succeed({
              payload: { greeting: `Hello, ${params.name}!` },
              variables: { lastGreeted: params.name },
            }),
    }),
    test: defineCommand({
      description: "Checks that the connector answers.",
      params: {},
      handler: () => succeed({ payload: { ok: true } }),
    }),
  },
});

const served = await serveConnector(greeter, {
  port: Number(process.env.PORT ?? 9090),
  host: process.env.HOST ?? "127.0.0.1",
});
process.stdout.write(`greeter connector listening on ${served.url}\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    served.close().then(() => process.exit(0));
  });
}
