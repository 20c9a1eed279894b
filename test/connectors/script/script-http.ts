import type { ServerResponse } from "node:http";
import type { ScriptHttpRequest, ScriptHttpResponse } from "../../../src/connectors/script/index.ts";
import { type LoopbackServer, startLoopbackServer } from "../../outbound/loopback-server.ts";

/** A loopback server plus an `http` option for runScript that reaches it (and nothing else) with fetch. */
export interface ScriptHttpHarness {
  readonly server: LoopbackServer;
  readonly origin: string;
  /** What runScript asked for, in order (with the signal it passed). */
  readonly calls: ScriptHttpRequest[];
  http(request: ScriptHttpRequest): Promise<ScriptHttpResponse>;
  close(): Promise<void>;
}

function reply(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type });
  res.end(body);
}

/**
 * Routes: `/json` echoes the request as JSON, `/text` answers plain text, `/slow?ms=N` answers JSON after
 * N ms, `/big?bytes=N` answers N bytes of text, `/status/N` answers JSON with that status.
 */
export async function startScriptHttp(): Promise<ScriptHttpHarness> {
  const server = await startLoopbackServer("127.0.0.1", (req, res, seen) => {
    const url = new URL(seen.url, "http://127.0.0.1");
    const echo = JSON.stringify({
      method: seen.method,
      path: url.pathname,
      body: seen.body,
      headers: seen.headers,
    });
    if (url.pathname === "/text") return reply(res, 200, "text/plain", "plain text");
    if (url.pathname === "/big")
      return reply(res, 200, "text/plain", "x".repeat(Number(url.searchParams.get("bytes"))));
    if (url.pathname.startsWith("/status/")) {
      return reply(res, Number(url.pathname.slice("/status/".length)), "application/json", echo);
    }
    if (url.pathname === "/slow") {
      const timer = setTimeout(
        () => reply(res, 200, "application/json", echo),
        Number(url.searchParams.get("ms")),
      );
      req.on("close", () => clearTimeout(timer));
      return;
    }
    reply(res, 200, "application/json; charset=utf-8", echo);
  });
  const calls: ScriptHttpRequest[] = [];
  return {
    server,
    origin: server.origin,
    calls,
    async http(request) {
      calls.push(request);
      const url = new URL(request.url);
      // Tests never leave loopback, whatever a script asks for.
      if (url.hostname !== "127.0.0.1")
        throw Object.assign(new Error(`refused ${url.hostname}`), { code: "EGRESS_REFUSED" });
      const init: RequestInit = { method: request.method };
      if (request.headers !== undefined) init.headers = request.headers;
      if (request.signal !== undefined) init.signal = request.signal;
      if (request.body !== undefined) {
        init.body = typeof request.body === "string" ? request.body : JSON.stringify(request.body);
      }
      const response = await fetch(url, init);
      return {
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: await response.text(),
      };
    },
    close: () => server.close(),
  };
}
