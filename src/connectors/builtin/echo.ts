import { defineCommand, defineConnector } from "../define/define-connector.ts";
import { t } from "../define/fields.ts";
import { succeed } from "../define/outcome.ts";

/** Answers with its params: the cheapest possible command, for smoke tests and the Execute benchmark. */
export const echoConnector = defineConnector({
  name: "echo",
  displayName: "Echo",
  version: "1.0.1",
  description: "Return the message it is given.",
  authType: "none",
  category: "utility",
  tags: ["testing"],
  defaultCommand: "echo",
  commands: {
    echo: defineCommand({
      description: "Return message unchanged as the payload.",
      readOnly: true,
      params: {
        message: t.raw({ description: "Any JSON value; returned as payload.message." }),
      },
      outputs: ["message"],
      async handler({ params }) {
        return succeed({ payload: params.message === undefined ? {} : { message: params.message } });
      },
    }),
  },
});
