import type { ServerResponse } from "node:http";
import type { ConnectorResult } from "../../../src/connectors/define/outcome.ts";
import {
  createTokenCache,
  executeOperation,
  type OpenApiPlan,
  type OperationIo,
  type OperationPlan,
  type ParamPlan,
  type TokenCache,
} from "../../../src/connectors/openapi/index.ts";
import { createOutboundClient, type OutboundClient } from "../../../src/outbound/index.ts";
import {
  type LoopbackServer,
  type SeenRequest,
  startLoopbackServer,
} from "../../outbound/loopback-server.ts";

/** A recording API server on 127.0.0.1 and an outbound client allowed to reach it. */
export interface Harness {
  server: LoopbackServer;
  client: OutboundClient;
  /** How the server answers the next requests; `{"ok":true}` by default. */
  answer: (res: ServerResponse, seen: SeenRequest) => void;
  /** Runs one command of `plan` against the server (its origin is the default baseUrl). */
  run(
    plan: OpenApiPlan,
    command: string,
    params: Record<string, unknown>,
    config?: Record<string, unknown>,
  ): Promise<ConnectorResult>;
  /** The one request the server saw since the last reset. */
  last(): SeenRequest;
  reset(): void;
  close(): Promise<void>;
}

const OK = (res: ServerResponse): void => {
  res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
};

/**
 * How an operation reaches the world through `client`, as the server wires it: requests through the
 * client, token requests through its egress guard, tokens in `tokens` (a fresh cache by default).
 */
export function ioOf(client: OutboundClient, tokens: TokenCache = createTokenCache()): OperationIo {
  return { send: (url, init) => client.request(url, init), fetch: client.guard.fetch, tokens };
}

/** Starts the server and client; call `close()` in afterAll. */
export async function startHarness(): Promise<Harness> {
  const harness: Harness = {
    server: await startLoopbackServer("127.0.0.1", (_req, res, seen) => harness.answer(res, seen)),
    client: createOutboundClient({ allow: ["127.0.0.1"] }),
    answer: OK,
    run: (plan, command, params, config = {}) =>
      executeOperation(
        plan,
        {
          command,
          params,
          config: { baseUrl: harness.server.origin, ...config },
          timeoutMs: 10_000,
          signal: new AbortController().signal,
        },
        ioOf(harness.client),
      ),
    last() {
      if (harness.server.requests.length !== 1)
        throw new Error(`expected one request, saw ${harness.server.requests.length}`);
      return harness.server.requests[0] as SeenRequest;
    },
    reset() {
      harness.server.requests.length = 0;
      harness.answer = OK;
    },
    close: async () => {
      await harness.client.close();
      await harness.server.close();
    },
  };
  return harness;
}

/** A param of a hand-written plan: `in`/`name` given, the rest defaulted (param name = wire name). */
export function param(fields: Partial<ParamPlan> & Pick<ParamPlan, "in" | "name">): ParamPlan {
  return { param: fields.name, required: false, schema: {}, ...fields };
}

/** A one-operation plan: command `op`, GET by default, no base URL and no security. */
export function planOf(operation: Partial<OperationPlan>, plan: Partial<OpenApiPlan> = {}): OpenApiPlan {
  return {
    format: 1,
    openapi: "3.0.3",
    baseUrl: "",
    securitySchemes: {},
    security: [],
    ...plan,
    operations: {
      op: { operationId: "op", method: "GET", path: "/things", params: [], ...operation },
    },
  };
}
