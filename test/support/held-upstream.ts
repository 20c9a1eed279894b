import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A loopback upstream that holds every request until released, and tells which have arrived and ended. */
export interface HeldUpstream {
  readonly url: string;
  /** Tags (`?tag=`) of the requests that arrived. */
  readonly arrived: Set<string>;
  /** The tag of every request, in the order they arrived: a call made again repeats its tag. */
  readonly requests: string[];
  /** Tags of the requests whose connection ended before an answer (the caller aborted them). */
  readonly aborted: Set<string>;
  /** Answers every held request 200 and each later one at once. */
  release(): void;
  close(): Promise<void>;
}

/** Starts a held upstream on 127.0.0.1 and a free port. */
export async function startHeldUpstream(): Promise<HeldUpstream> {
  const arrived = new Set<string>();
  const aborted = new Set<string>();
  const requests: string[] = [];
  const held: ServerResponse[] = [];
  let released = false;
  const answer = (res: ServerResponse) =>
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  const server: Server = createServer((req: IncomingMessage, res) => {
    const tag = new URL(req.url ?? "/", "http://upstream").searchParams.get("tag") ?? "";
    arrived.add(tag);
    requests.push(tag);
    res.once("close", () => {
      if (!res.writableEnded) aborted.add(tag);
    });
    if (released) answer(res);
    else held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/held`,
    arrived,
    requests,
    aborted,
    release() {
      released = true;
      for (const res of held.splice(0)) answer(res);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
