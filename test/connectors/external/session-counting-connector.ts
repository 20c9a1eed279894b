import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  type ConnectorDefinition,
  defineCommand,
  defineConnector,
} from "../../../src/connectors/define/define-connector.ts";
import { succeed } from "../../../src/connectors/define/outcome.ts";
import { registerConnectorService } from "../../../src/connectors/external/index.ts";
import { createOutboundClient } from "../../../src/outbound/index.ts";

/** A connector whose `hold` calls wait for the test. */
export interface HoldingConnector {
  /** `hello` answers `{hello: true}` at once; `hold` answers `{held: true}` once released. */
  readonly definition: ConnectorDefinition;
  /** `hold` calls waiting now. */
  holding(): number;
  /** Lets every waiting `hold` call answer. */
  release(): void;
}

/** A fresh {@link HoldingConnector}. */
export function createHoldingConnector(): HoldingConnector {
  const waiting: Array<() => void> = [];
  const definition = defineConnector({
    name: "holder",
    version: "1.0.0",
    description: "Answers when the test lets it.",
    authType: "none",
    commands: {
      hello: defineCommand({
        description: "Answers at once.",
        params: {},
        handler: () => succeed({ payload: { hello: true } }),
      }),
      hold: defineCommand({
        description: "Answers when the test releases it.",
        params: {},
        handler: async () => {
          await new Promise<void>((resolve) => waiting.push(resolve));
          return succeed({ payload: { held: true } });
        },
      }),
    },
  });
  return {
    definition,
    holding: () => waiting.length,
    release() {
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}

/** A holding connector (gRPC and Connect) on an h2c server of its own, counting its HTTP/2 sessions. */
export interface SessionCountingConnector extends HoldingConnector {
  /** `http://127.0.0.1:<port>`, to register as `endpoint_url` with protocol `grpc`. */
  readonly url: string;
  /** HTTP/2 sessions open now (a client's connections, as the connector sees them). */
  openSessions(): number;
  /** HTTP/2 sessions ever opened. */
  sessionsOpened(): number;
  close(): Promise<void>;
}

/** Serves a {@link HoldingConnector} over cleartext HTTP/2 (prior knowledge) on a free loopback port. */
export async function serveSessionCountingConnector(): Promise<SessionCountingConnector> {
  const holder = createHoldingConnector();
  const outbound = createOutboundClient();
  const server = http2.createServer(
    connectNodeAdapter({
      routes: (router) => registerConnectorService(router, holder.definition, { outbound }),
    }),
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  let opened = 0;
  server.on("session", (session: http2.ServerHttp2Session) => {
    opened++;
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...holder,
    url: `http://127.0.0.1:${port}`,
    openSessions: () => sessions.size,
    sessionsOpened: () => opened,
    async close() {
      holder.release();
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await outbound.close();
    },
  };
}
