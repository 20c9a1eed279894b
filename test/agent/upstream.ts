import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A real HTTP server on a loopback address; answers per path, records what it saw. */
export interface Upstream {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** Requests on /hold not yet released. */
  readonly held: ServerResponse[];
  /** Requests whose connection closed before an answer (cancelled). */
  readonly closedEarly: number;
  close(): Promise<void>;
}

/**
 * Paths: `/echo` answers JSON with the method, headers and body; `/big?bytes=N` streams N bytes in
 * 10 000-byte writes; `/hold` waits until the test answers it (`held`), `/never` never answers.
 */
export async function startUpstream(host: string): Promise<Upstream> {
  const held: ServerResponse[] = [];
  const state = { closedEarly: 0 };
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://x");
    response.on("close", () => {
      if (!response.writableEnded) state.closedEarly += 1;
    });
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (url.pathname === "/echo") {
      const body = Buffer.concat(chunks).toString();
      response.writeHead(200, { "content-type": "application/json", "x-upstream": "yes" });
      response.end(
        JSON.stringify({ method: request.method, headers: request.headers, body, query: url.search }),
      );
    } else if (url.pathname === "/big") {
      let left = Number(url.searchParams.get("bytes"));
      response.writeHead(200, { "content-type": "application/octet-stream" });
      while (left > 0) {
        const size = Math.min(left, 10_000);
        left -= size;
        if (!response.write(Buffer.alloc(size, 97 + (left % 26)))) {
          await new Promise((resolve) => response.once("drain", resolve));
        }
      }
      response.end();
    } else if (url.pathname === "/hold") {
      held.push(response);
    } else if (url.pathname !== "/never") {
      response.writeHead(404).end();
    }
  };
  const server: Server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host,
    port,
    url: `http://${host}:${port}`,
    held,
    get closedEarly() {
      return state.closedEarly;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
