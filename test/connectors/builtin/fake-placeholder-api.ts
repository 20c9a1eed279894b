import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request the fake API received. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
}

/** A canned answer that replaces the next request's route. */
export interface CannedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A JSONPlaceholder-style API on 127.0.0.1 for the placeholder-api connector's tests. */
export interface FakePlaceholderApi {
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** Every request, in arrival order (including refused ones). */
  readonly requests: RecordedRequest[];
  /** Answer the next request with `answer` instead of its route (after the API key check). */
  answerNext(answer: CannedAnswer): void;
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { ...(text !== "" ? { "content-type": "application/json" } : {}), ...headers });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Starts the fake API on an ephemeral loopback port. It serves `GET /health`, `GET /posts` (json-server
 * paging: `_page`, `_limit`, `X-Total-Count`) over `postCount` posts, and `POST /posts` (201, or 400 when
 * title, body or userId is missing). Every route needs `Authorization: Bearer <apiKey>`, else 401.
 */
export async function startFakePlaceholderApi(apiKey: string, postCount = 25): Promise<FakePlaceholderApi> {
  const requests: RecordedRequest[] = [];
  const canned: CannedAnswer[] = [];
  const posts = Array.from({ length: postCount }, (_, i) => ({
    id: i + 1,
    userId: (i % 3) + 1,
    title: `Post ${i + 1}`,
    body: `Body of post ${i + 1}.`,
  }));

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = await readJson(req);
    requests.push({
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      body,
    });
    if (req.headers.authorization !== `Bearer ${apiKey}`) return send(res, 401, { error: "unauthorized" });
    const answer = canned.shift();
    if (answer !== undefined) return send(res, answer.status, answer.body, answer.headers);

    if (req.method === "GET" && url.pathname === "/health") return send(res, 200, { status: "ok" });
    if (req.method === "GET" && url.pathname === "/posts") {
      const limit = Number(url.searchParams.get("_limit") ?? posts.length);
      const page = Number(url.searchParams.get("_page") ?? 1);
      const slice = posts.slice((page - 1) * limit, page * limit);
      return send(res, 200, slice, { "x-total-count": String(posts.length) });
    }
    if (req.method === "POST" && url.pathname === "/posts") {
      const fields = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
      if (
        typeof fields.title !== "string" ||
        typeof fields.body !== "string" ||
        typeof fields.userId !== "number"
      ) {
        return send(res, 400, { error: "title, body and userId are required" });
      }
      return send(res, 201, {
        id: posts.length + 1,
        title: fields.title,
        body: fields.body,
        userId: fields.userId,
      });
    }
    return send(res, 404, { error: "not found" });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    answerNext: (answer) => {
      canned.push(answer);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
