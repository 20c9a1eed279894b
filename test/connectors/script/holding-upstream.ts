import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A loopback upstream that holds each request until the test lets it answer. */
export interface HoldingUpstream {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Requests received so far (answered, held or abandoned). */
  arrived(): number;
  /** Requests held now (the client has not gone away). */
  held(): number;
  /** Resolves once `count` requests have arrived in all. */
  arrivals(count: number): Promise<void>;
  /** Answers every held request, and answers the ones that come later at once. */
  release(): void;
  /** Holds the requests that come from now on again. */
  hold(): void;
  close(): Promise<void>;
}

/** Starts a {@link HoldingUpstream} on 127.0.0.1 and a free port; it answers `{"ok":true}` when released. */
export async function startHoldingUpstream(): Promise<HoldingUpstream> {
  const waiting = new Set<ServerResponse>();
  const watchers: { count: number; done(): void }[] = [];
  let arrived = 0;
  let holding = true;
  const answer = (res: ServerResponse) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  };
  const server = createServer((req, res) => {
    arrived++;
    for (const watcher of [...watchers]) {
      if (arrived >= watcher.count) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.done();
      }
    }
    req.resume();
    if (!holding) return answer(res);
    waiting.add(res);
    res.on("close", () => waiting.delete(res));
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived: () => arrived,
    held: () => waiting.size,
    arrivals: (count) =>
      arrived >= count ? Promise.resolve() : new Promise((done) => watchers.push({ count, done })),
    release() {
      holding = false;
      for (const res of [...waiting]) answer(res);
      waiting.clear();
    },
    hold() {
      holding = true;
    },
    close: () =>
      new Promise<void>((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}
