import type { OutboundResponse } from "../../../outbound/index.ts";
import { defineCommand, defineConnector } from "../../define/define-connector.ts";
import { t } from "../../define/fields.ts";
import { fail, type JsonObject, succeed } from "../../define/outcome.ts";
import {
  callProvider,
  type Fields,
  httpFailure,
  objectBody,
  type ProviderCall,
  unexpectedBody,
} from "./call-provider.ts";
import { mapProviderError, type ProviderFailure } from "./provider-api-error.ts";

/** The instance config plus the connection's OAuth token. */
interface GitHubConnection {
  baseUrl?: string;
  accessToken: string;
}

const PROVIDER = "GitHub";
const DEFAULT_BASE_URL = "https://api.github.com";
// Owner and repository are path segments: GitHub's own character sets, and never `.` or `..`.
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;

/**
 * GitHub's error bodies are free text (`{message, documentation_url}`), so only the status is kept. A
 * 403 or 429 with `x-ratelimit-remaining: 0` or a Retry-After is a rate limit, not a refused token.
 */
function githubFailure(response: OutboundResponse): ProviderFailure | undefined {
  const failure = httpFailure(response);
  if (failure === undefined) return undefined;
  const limited =
    response.headers["x-ratelimit-remaining"] === "0" || failure.retryAfterSeconds !== undefined;
  return failure.status === 403 && limited ? { ...failure, status: 429 } : failure;
}

function githubApi(
  connection: GitHubConnection,
  request: { method: "GET" | "POST"; path: string; query?: Fields; json?: JsonObject },
  call: ProviderCall,
): Promise<OutboundResponse> {
  return callProvider({
    provider: PROVIDER,
    baseUrl: connection.baseUrl || DEFAULT_BASE_URL,
    ...request,
    headers: {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${connection.accessToken}`,
      "x-github-api-version": "2022-11-28",
      // GitHub refuses requests without a User-Agent.
      "user-agent": "Patchbay",
    },
    call,
    readFailure: githubFailure,
  });
}

/** `/repos/{owner}/{repo}`, or why the names cannot be used. */
function repoPath(owner: string, repo: string): { path: string } | { problem: string } {
  if (!OWNER.test(owner)) return { problem: "owner must be a GitHub user or organization name" };
  if (!REPO.test(repo)) return { problem: "repo must be a GitHub repository name" };
  return { path: `/repos/${owner}/${repo}` };
}

const list = (text: string | undefined): string[] =>
  (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

/** The page after this one, from the `Link: <…&page=3>; rel="next"` header. */
function nextPage(response: OutboundResponse): number | null {
  const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.link ?? "")?.[1];
  if (next === undefined) return null;
  const page = Number(URL.canParse(next) ? new URL(next).searchParams.get("page") : Number.NaN);
  return Number.isInteger(page) && page > 0 ? page : null;
}

const repoParams = {
  owner: t.string({ required: true, description: "Repository owner (user or organization)." }),
  repo: t.string({ required: true, description: "Repository name." }),
};

const createIssueParams = {
  ...repoParams,
  title: t.string({ required: true, description: "Issue title." }),
  body: t.string({ description: "Issue text (Markdown)." }),
  labels: t.string({ description: "Comma-separated label names." }),
  assignees: t.string({ description: "Comma-separated logins to assign." }),
};

const getIssueParams = {
  ...repoParams,
  issueNumber: t.number({ required: true, description: "Issue number." }),
};

const listIssuesParams = {
  ...repoParams,
  state: t.select(["open", "closed", "all"], { default: "open", description: "Which issues to list." }),
  labels: t.string({ description: "Comma-separated label names every issue must have." }),
  perPage: t.number({ default: 30, description: "Issues per page (1 to 100)." }),
  page: t.number({ default: 1, description: "Page number, from 1." }),
};

const createWebhookParams = {
  ...repoParams,
  events: t.string({
    default: "issues,issue_comment,pull_request,push",
    description: 'Comma-separated events to deliver ("*" for all).',
  }),
};

const sampleIssue = {
  number: 1347,
  title: "Found a bug",
  state: "open",
  html_url: "https://github.com/octocat/Hello-World/issues/1347",
};

/** GitHub REST API for one user who granted access with OAuth: create, read and list issues. */
export const githubConnector = defineConnector({
  name: "github",
  displayName: "GitHub",
  version: "1.0.1",
  description: "Create, read and list a repository's issues as a GitHub user (REST API, OAuth).",
  authType: "oauth",
  category: "developer-tools",
  tags: ["developer-tools", "issues", "oauth"],
  oauth: {
    authorizeUrl: "https://github.com/login/oauth/authorize",
    tokenUrl: "https://github.com/login/oauth/access_token",
    scopes: ["repo"],
    tokenAuthMethod: "client_secret_post",
  },
  connectionConfig: {
    baseUrl: t.string({
      default: DEFAULT_BASE_URL,
      description: "REST API base URL (GitHub Enterprise: https://HOST/api/v3).",
    }),
    // Optional here: the client may come from PATCHBAY_OAUTH_GITHUB_CLIENT_ID/SECRET instead.
    clientId: t.string({ description: "GitHub OAuth app client id (or PATCHBAY_OAUTH_GITHUB_CLIENT_ID)." }),
    clientSecret: t.secret({
      description: "GitHub OAuth app client secret (or PATCHBAY_OAUTH_GITHUB_CLIENT_SECRET).",
    }),
  },
  webhook: { provider: "github" },
  errorMap: mapProviderError,
  commands: {
    createWebhook: defineCommand<typeof createWebhookParams, GitHubConnection>({
      description:
        "Create a Patchbay webhook endpoint and a repository webhook that delivers to it (POST /repos/{owner}/{repo}/hooks).",
      params: createWebhookParams,
      readOnly: false,
      destructive: false,
      idempotent: false,
      outputs: ["endpointId", "url", "hookId"],
      mock: {
        default: () =>
          succeed({
            payload: {
              endpointId: "5f0c3a52-3c1e-4b8e-9d0a-2b8f1c7e4a10",
              url: "https://patchbay.example.com/api/v1/connectors/webhooks/github/5f0c3a52-3c1e-4b8e-9d0a-2b8f1c7e4a10",
              hookId: 460101,
            },
          }),
      },
      async handler({ params, connection, webhooks, ...call }) {
        const repo = repoPath(params.owner, params.repo);
        if ("problem" in repo) return fail({ error: repo.problem });
        const events = list(params.events);
        if (events.length === 0) return fail({ error: "events must name at least one event" });
        if (webhooks === undefined)
          return fail({ error: "createWebhook runs only inside the Patchbay server" });
        const endpoint = await webhooks.createEndpoint({ provider: "github" });
        if (!endpoint.ok) return fail({ error: endpoint.error });
        try {
          const response = await githubApi(
            connection,
            {
              method: "POST",
              path: `${repo.path}/hooks`,
              json: {
                name: "web",
                active: true,
                events,
                config: {
                  url: endpoint.url,
                  content_type: "json",
                  secret: endpoint.secret,
                  insecure_ssl: "0",
                },
              },
            },
            call,
          );
          const hook = objectBody(response);
          if (typeof hook?.id !== "number") {
            await webhooks.deleteEndpoint(endpoint.id);
            return unexpectedBody(PROVIDER, "a created webhook", response);
          }
          return succeed({ payload: { endpointId: endpoint.id, url: endpoint.url, hookId: hook.id } });
        } catch (error) {
          await webhooks.deleteEndpoint(endpoint.id);
          throw error;
        }
      },
    }),

    createIssue: defineCommand<typeof createIssueParams, GitHubConnection>({
      description: "Open an issue (POST /repos/{owner}/{repo}/issues).",
      params: createIssueParams,
      readOnly: false,
      destructive: false,
      idempotent: false,
      outputs: ["issue"],
      mock: {
        default: ({ params }) =>
          succeed({
            payload: { issue: { ...sampleIssue, title: params.title } },
            variables: { issueNumber: 1347 },
          }),
      },
      async handler({ params, connection, ...call }) {
        const repo = repoPath(params.owner, params.repo);
        if ("problem" in repo) return fail({ error: repo.problem });
        const labels = list(params.labels);
        const assignees = list(params.assignees);
        const response = await githubApi(
          connection,
          {
            method: "POST",
            path: `${repo.path}/issues`,
            json: {
              title: params.title,
              ...(params.body !== undefined ? { body: params.body } : {}),
              ...(labels.length > 0 ? { labels } : {}),
              ...(assignees.length > 0 ? { assignees } : {}),
            },
          },
          call,
        );
        const issue = objectBody(response);
        if (typeof issue?.number !== "number") return unexpectedBody(PROVIDER, "a created issue", response);
        return succeed({
          payload: { issue },
          variables: {
            issueNumber: issue.number,
            ...(typeof issue.html_url === "string" ? { issueUrl: issue.html_url } : {}),
          },
        });
      },
    }),

    getIssue: defineCommand<typeof getIssueParams, GitHubConnection>({
      description: "One issue (GET /repos/{owner}/{repo}/issues/{issue_number}).",
      params: getIssueParams,
      readOnly: true,
      outputs: ["issue"],
      mock: {
        default: ({ params }) =>
          succeed({ payload: { issue: { ...sampleIssue, number: params.issueNumber } } }),
      },
      async handler({ params, connection, ...call }) {
        const repo = repoPath(params.owner, params.repo);
        if ("problem" in repo) return fail({ error: repo.problem });
        if (!Number.isInteger(params.issueNumber) || params.issueNumber < 1) {
          return fail({ error: "issueNumber must be a whole number from 1" });
        }
        const response = await githubApi(
          connection,
          { method: "GET", path: `${repo.path}/issues/${params.issueNumber}` },
          call,
        );
        const issue = objectBody(response);
        if (typeof issue?.number !== "number") return unexpectedBody(PROVIDER, "an issue", response);
        return succeed({ payload: { issue } });
      },
    }),

    listRepositoryIssues: defineCommand<typeof listIssuesParams, GitHubConnection>({
      description:
        "List one page of a repository's issues, pull requests included (GET /repos/{owner}/{repo}/issues).",
      params: listIssuesParams,
      readOnly: true,
      outputs: ["issues", "nextPage"],
      mock: {
        default: () =>
          succeed({ payload: { issues: [sampleIssue], nextPage: null }, variables: { issueCount: 1 } }),
        empty: () => succeed({ payload: { issues: [], nextPage: null }, variables: { issueCount: 0 } }),
      },
      async handler({ params, connection, ...call }) {
        const repo = repoPath(params.owner, params.repo);
        if ("problem" in repo) return fail({ error: repo.problem });
        if (!Number.isInteger(params.perPage) || params.perPage < 1 || params.perPage > 100) {
          return fail({ error: "perPage must be a whole number from 1 to 100" });
        }
        if (!Number.isInteger(params.page) || params.page < 1)
          return fail({ error: "page must be a whole number from 1" });
        const labels = list(params.labels);
        const response = await githubApi(
          connection,
          {
            method: "GET",
            path: `${repo.path}/issues`,
            query: {
              state: params.state,
              ...(labels.length > 0 ? { labels: labels.join(",") } : {}),
              per_page: params.perPage,
              page: params.page,
            },
          },
          call,
        );
        if (!Array.isArray(response.body)) return unexpectedBody(PROVIDER, "a list of issues", response);
        return succeed({
          payload: { issues: response.body, nextPage: nextPage(response) },
          variables: { issueCount: response.body.length },
        });
      },
    }),
  },
});
