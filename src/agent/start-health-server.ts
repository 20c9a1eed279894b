import { createServer, type Server } from "node:http";

/** Serves `GET /healthz` on 127.0.0.1: 200 while `ready()` holds, 503 otherwise; 404 for anything else. */
export async function startHealthServer(port: number, ready: () => boolean): Promise<Server> {
  const server = createServer((request, response) => {
    const ok = request.method === "GET" && request.url === "/healthz";
    const status = !ok ? 404 : ready() ? 200 : 503;
    response
      .writeHead(status, { "content-type": "text/plain" })
      .end(status === 200 ? "ok\n" : status === 503 ? "not connected\n" : "");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return server;
}
