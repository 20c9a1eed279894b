import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request a loopback test server received. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A node:http server on a loopback address and port 0 that records every connection and request. */
export interface LoopbackServer {
  readonly port: number;
  /** `http://<host>:<port>` */
  readonly origin: string;
  readonly requests: SeenRequest[];
  /** TCP connections accepted, so a test can prove nothing connected at all. */
  connections: number;
  close(): Promise<void>;
}

/** Starts a server on `host` (a 127.0.0.0/8 address); the handler answers with the recorded request. */
export async function startLoopbackServer(
  host: string,
  handle: (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void,
): Promise<LoopbackServer> {
  const requests: SeenRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const seen = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    };
    requests.push(seen);
    handle(req, res, seen);
  });
  await new Promise<void>((listening) => server.listen(0, host, listening));
  const port = (server.address() as AddressInfo).port;
  const state: LoopbackServer = {
    port,
    origin: `http://${host}:${port}`,
    requests,
    connections: 0,
    close: () =>
      new Promise<void>((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
  server.on("connection", () => {
    state.connections++;
  });
  return state;
}
