import { createServer, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";

/** A real forward proxy on 127.0.0.1 (CONNECT only) that resolves names from its own table. */
export interface ConnectProxy {
  readonly url: string;
  /** `host:port` of every CONNECT it was asked for. */
  readonly targets: string[];
  close(): Promise<void>;
}

/** Starts the proxy; `names` maps host names to the addresses the proxy connects to. */
export async function startConnectProxy(names: Readonly<Record<string, string>>): Promise<ConnectProxy> {
  const targets: string[] = [];
  const server: Server = createServer((_request, response) => response.writeHead(405).end());
  server.on("connect", (request, client) => {
    const target = request.url ?? "";
    targets.push(target);
    const colon = target.lastIndexOf(":");
    const host = target.slice(0, colon);
    const upstream = connect(Number(target.slice(colon + 1)), names[host] ?? host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
