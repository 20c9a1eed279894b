import type { ConnectorNames } from "./connector-names.ts";

/**
 * A string literal the way Biome prints it with `quoteStyle: "double"`: double quotes unless the text
 * holds more double than single quotes.
 */
export function stringLiteral(text: string): string {
  const doubles = text.split('"').length - 1;
  const singles = text.split("'").length - 1;
  const quote = doubles > singles ? "'" : '"';
  return `${quote}${text.replaceAll("\\", "\\\\").replaceAll(quote, `\\${quote}`)}${quote}`;
}

/**
 * The source of a new built-in connector: a typed connection, an error class with its `errorMap`, a
 * `test` command and a `listItems` command with mocks, laid out as Biome formats it (for names of up to
 * about 30 characters; longer ones need a pass of the formatter).
 */
export function renderConnector(names: ConnectorNames, description: string): string {
  const { name, definition, pascal, title } = names;
  return `import type { OutboundClient, OutboundResponse } from "../../outbound/index.ts";
import { defineCommand, defineConnector } from "../define/define-connector.ts";
import { t } from "../define/fields.ts";
import { fail, succeed } from "../define/outcome.ts";

/** The decrypted connection fields: the same keys and value types as \`connectionConfig\` below. */
export interface ${pascal}Connection {
  baseUrl: string;
  apiKey: string;
}

/** A non-2xx answer from the ${title} API; thrown so that \`errorMap\` reports the status, never the body. */
export class ${pascal}Error extends Error {
  /** The HTTP status the API answered with. */
  readonly status: number;

  constructor(status: number) {
    super(\`${title} API error (\${status})\`);
    this.name = "${pascal}Error";
    this.status = status;
  }
}

/** One authenticated GET; every outbound call goes through the execution's client, \`context.outbound\`. */
function get(
  outbound: OutboundClient,
  connection: ${pascal}Connection,
  path: string,
  signal: AbortSignal,
): Promise<OutboundResponse> {
  return outbound.request(\`\${connection.baseUrl.replace(/\\/+$/, "")}\${path}\`, {
    method: "GET",
    headers: { accept: "application/json", authorization: \`Bearer \${connection.apiKey}\` },
    signal,
  });
}

// Params are hoisted so that \`typeof ...Params\` can go to \`defineCommand\` next to the connection type,
// which types both \`params\` and \`connection\` in the handler.
const testParams = {};

const listItemsParams = {
  limit: t.number({ default: 50, description: "Most items to return." }),
};

const SAMPLE_ITEMS = [
  { id: "item-1", name: "First item" },
  { id: "item-2", name: "Second item" },
];

/** The ${title} connector. Scaffolded: replace the placeholder commands with the API's real ones. */
export const ${definition} = defineConnector({
  name: "${name}",
  version: "1.0.0",
  description: ${stringLiteral(description)},
  authType: "api_key",
  connectionConfig: {
    baseUrl: t.string({ required: true, description: "API base URL, e.g. https://api.example.com/v1." }),
    apiKey: t.secret({ required: true, description: "API key, sent as a bearer token." }),
  },
  // Only thrown errors come here; a returned fail() is reported as it is.
  errorMap: (error) =>
    error instanceof ${pascal}Error
      ? {
          error: \`${title} API error (\${error.status})\`,
          diagnostics: { status: error.status },
        }
      : null,
  commands: {
    test: defineCommand<typeof testParams, ${pascal}Connection>({
      description: "Check that the API answers and accepts the key.",
      params: testParams,
      outputs: ["ok"],
      async handler({ connection, signal, context }) {
        const response = await get(context.outbound, connection, "/me", signal);
        if (response.status >= 400) throw new ${pascal}Error(response.status);
        return succeed({ payload: { ok: true } });
      },
      mock: { default: () => succeed({ payload: { ok: true } }) },
    }),
    listItems: defineCommand<typeof listItemsParams, ${pascal}Connection>({
      description: "List items, at most \`limit\` of them.",
      params: listItemsParams,
      outputs: ["items", "total"],
      async handler({ params, connection, signal, context }) {
        const response = await get(context.outbound, connection, \`/items?limit=\${params.limit}\`, signal);
        if (response.status >= 400) {
          return fail({
            error: \`${title} API error (\${response.status})\`,
            diagnostics: { status: response.status },
          });
        }
        const items: unknown[] = Array.isArray(response.body) ? response.body : [];
        return succeed({ payload: { items, total: items.length }, variables: { itemCount: items.length } });
      },
      mock: {
        default: ({ params }) => {
          const items = SAMPLE_ITEMS.slice(0, params.limit);
          return succeed({ payload: { items, total: items.length }, variables: { itemCount: items.length } });
        },
        empty: () => succeed({ payload: { items: [], total: 0 }, variables: { itemCount: 0 } }),
      },
    }),
  },
});
`;
}
