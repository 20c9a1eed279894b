import type { OutboundClient, OutboundResponse } from "../../outbound/index.ts";
import { defineCommand, defineConnector } from "../define/define-connector.ts";
import { t } from "../define/fields.ts";
import { fail, type JsonObject, succeed } from "../define/outcome.ts";

/** The decrypted connection fields; the same keys as `connectionConfig` below. */
interface PlaceholderApiConnection {
  baseUrl: string;
  apiKey: string;
}

/**
 * A non-2xx answer from the Placeholder API. Handlers throw it so that the connector's `errorMap` turns
 * it into one operator-safe message; it carries the status only, never the response body or the key.
 */
export class PlaceholderApiError extends Error {
  /** The HTTP status the API answered with. */
  readonly status: number;

  constructor(status: number) {
    super(`Placeholder API answered ${status}`);
    this.name = "PlaceholderApiError";
    this.status = status;
  }
}

/** A post as the API returns it. */
interface Post extends JsonObject {
  id: number;
  userId: number;
  title: string;
  body: string;
}

function isPost(value: unknown): value is Post {
  if (typeof value !== "object" || value === null) return false;
  const post = value as Record<string, unknown>;
  return typeof post.id === "number" && typeof post.title === "string";
}

interface CallOptions {
  method: "GET" | "POST";
  path: string;
  query?: Record<string, string>;
  body?: JsonObject;
  signal: AbortSignal;
  /** The execution's outbound client (`context.outbound`). */
  outbound: OutboundClient;
}

/**
 * One authenticated call. 429 is returned to the caller (it is retryable and handled as a `fail()` with
 * retry metadata); any other non-2xx is thrown as a {@link PlaceholderApiError} for `errorMap`.
 */
async function call(connection: PlaceholderApiConnection, options: CallOptions): Promise<OutboundResponse> {
  const url = new URL(`${connection.baseUrl.replace(/\/+$/, "")}${options.path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const response = await options.outbound.request(url.href, {
    method: options.method,
    headers: { accept: "application/json", authorization: `Bearer ${connection.apiKey}` },
    body: options.body,
    timeoutMs: 15_000,
    signal: options.signal,
  });
  if (response.status === 429) return response;
  if (response.status < 200 || response.status >= 300) throw new PlaceholderApiError(response.status);
  return response;
}

/** The `fail()` for a 429: the limit is the provider's, so the caller learns when to try again. */
function rateLimited(response: OutboundResponse) {
  const retryAfter = Number(response.headers["retry-after"]);
  return fail({
    error: "Placeholder API rate limit reached",
    diagnostics: {
      status: response.status,
      ...(Number.isFinite(retryAfter) ? { retryAfterSeconds: retryAfter } : {}),
    },
  });
}

const baseUrlProblem = "baseUrl must be an absolute http or https URL";
const isHttpUrl = (value: string): boolean => /^https?:\/\/[^/]/i.test(value);

const listPostsParams = {
  page: t.number({ default: 1, description: "Page number, from 1." }),
  limit: t.number({ default: 10, description: "Posts per page (1 to 100)." }),
};

const createPostParams = {
  title: t.string({ required: true, description: "Post title." }),
  body: t.string({ required: true, description: "Post text." }),
  userId: t.number({ required: true, description: "Author's user id." }),
};

const samplePosts: Post[] = [
  { id: 1, userId: 1, title: "Hello", body: "First post." },
  { id: 2, userId: 1, title: "Again", body: "Second post." },
];

/**
 * The example connector of `docs/connectors.md`: a client for a JSONPlaceholder-style REST API (posts,
 * page-based listing, creation) with a configurable base URL and a bearer API key.
 */
export const placeholderApiConnector = defineConnector({
  name: "placeholder-api",
  displayName: "Placeholder API",
  version: "1.0.1",
  description: "List and create posts on a JSONPlaceholder-style REST API.",
  authType: "api_key",
  category: "example",
  tags: ["rest", "example"],
  connectionConfig: {
    baseUrl: t.string({
      required: true,
      description: "API base URL.",
      placeholder: "https://jsonplaceholder.typicode.com",
    }),
    apiKey: t.secret({ required: true, description: "API key, sent as a bearer token." }),
  },
  errorMap: (error) =>
    error instanceof PlaceholderApiError
      ? { error: `Placeholder API error (${error.status})`, diagnostics: { status: error.status } }
      : null,
  commands: {
    test: defineCommand<Record<string, never>, PlaceholderApiConnection>({
      description: "Check that the API is reachable and accepts the API key.",
      params: {},
      readOnly: true,
      outputs: ["reachable"],
      mock: { default: () => succeed({ payload: { reachable: true } }) },
      async handler({ connection, signal, context }) {
        if (!isHttpUrl(connection.baseUrl)) return fail({ error: baseUrlProblem });
        const response = await call(connection, {
          method: "GET",
          path: "/health",
          signal,
          outbound: context.outbound,
        });
        if (response.status === 429) return rateLimited(response);
        return succeed({ payload: { reachable: true } });
      },
    }),

    listPosts: defineCommand<typeof listPostsParams, PlaceholderApiConnection>({
      description: "List one page of posts.",
      params: listPostsParams,
      readOnly: true,
      outputs: ["posts", "nextPage"],
      mock: {
        default: () =>
          succeed({ payload: { posts: samplePosts, nextPage: null }, variables: { postCount: 2 } }),
        empty: () => succeed({ payload: { posts: [], nextPage: null }, variables: { postCount: 0 } }),
      },
      async handler({ params, connection, signal, context }) {
        if (!isHttpUrl(connection.baseUrl)) return fail({ error: baseUrlProblem });
        if (!Number.isInteger(params.page) || params.page < 1) {
          return fail({ error: "page must be a whole number from 1" });
        }
        if (!Number.isInteger(params.limit) || params.limit < 1 || params.limit > 100) {
          return fail({ error: "limit must be a whole number from 1 to 100" });
        }
        const response = await call(connection, {
          method: "GET",
          path: "/posts",
          // json-server / JSONPlaceholder paging parameters.
          query: { _page: String(params.page), _limit: String(params.limit) },
          signal,
          outbound: context.outbound,
        });
        if (response.status === 429) return rateLimited(response);
        if (!Array.isArray(response.body) || !response.body.every(isPost)) {
          return fail({
            error: "Placeholder API returned an unexpected body for /posts",
            diagnostics: { status: response.status },
          });
        }
        const posts = response.body;
        // json-server reports the collection size in X-Total-Count; without it a full page means "maybe more".
        const total = Number(response.headers["x-total-count"]);
        const more = Number.isFinite(total)
          ? params.page * params.limit < total
          : posts.length === params.limit;
        return succeed({
          payload: { posts, nextPage: more ? params.page + 1 : null },
          variables: { postCount: posts.length },
        });
      },
    }),

    createPost: defineCommand<typeof createPostParams, PlaceholderApiConnection>({
      description: "Create a post.",
      params: createPostParams,
      readOnly: false,
      destructive: false,
      idempotent: false,
      outputs: ["post"],
      mock: {
        default: ({ params }) =>
          succeed({ payload: { post: { id: 101, ...params } }, variables: { postId: 101 } }),
      },
      async handler({ params, connection, signal, context }) {
        if (!isHttpUrl(connection.baseUrl)) return fail({ error: baseUrlProblem });
        const response = await call(connection, {
          method: "POST",
          path: "/posts",
          body: { title: params.title, body: params.body, userId: params.userId },
          signal,
          outbound: context.outbound,
        });
        if (response.status === 429) return rateLimited(response);
        if (!isPost(response.body)) {
          return fail({
            error: "Placeholder API returned an unexpected body for a created post",
            diagnostics: { status: response.status },
          });
        }
        return succeed({ payload: { post: response.body }, variables: { postId: response.body.id } });
      },
    }),
  },
});
