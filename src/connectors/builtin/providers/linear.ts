import type { OutboundResponse } from "../../../outbound/index.ts";
import { defineCommand, defineConnector } from "../../define/define-connector.ts";
import { t } from "../../define/fields.ts";
import { fail, type JsonObject, succeed } from "../../define/outcome.ts";
import {
  callProvider,
  httpFailure,
  isJsonObject,
  objectBody,
  type ProviderCall,
  unexpectedBody,
} from "./call-provider.ts";
import { mapProviderError, type ProviderFailure, safeCode } from "./provider-api-error.ts";

/** The decrypted connection fields. */
interface LinearConnection {
  baseUrl?: string;
  apiKey: string;
}

const PROVIDER = "Linear";
const DEFAULT_BASE_URL = "https://api.linear.app";

/**
 * Linear reports GraphQL errors in `errors[].extensions.type` (the vocabulary of `@linear/sdk`), often
 * on a 200 or a 400; these types stand for a refused key, missing access, a rate limit or an outage.
 */
const STATUS_BY_TYPE: Readonly<Record<string, number>> = {
  "authentication error": 401,
  forbidden: 403,
  ratelimited: 429,
  "internal error": 500,
  "lock timeout": 503,
};

function linearFailure(response: OutboundResponse): ProviderFailure | undefined {
  const failure = httpFailure(response);
  const errors = objectBody(response)?.errors;
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  if (!isJsonObject(first)) return failure;
  // `message` is free text that can quote the input; the type is a fixed vocabulary.
  const extensions = isJsonObject(first.extensions) ? first.extensions : {};
  const type = typeof extensions.type === "string" ? extensions.type.toLowerCase() : "";
  const code = safeCode(extensions.code) ?? safeCode(type.replaceAll(" ", "_"));
  const status = STATUS_BY_TYPE[type] ?? failure?.status ?? 400;
  return { ...failure, status, ...(code !== undefined ? { code } : {}) };
}

/** Runs one GraphQL operation and returns its `data`, or undefined when the answer has none. */
async function graphql(
  connection: LinearConnection,
  query: string,
  variables: JsonObject,
  call: ProviderCall,
): Promise<{ response: OutboundResponse; data: JsonObject | undefined }> {
  const response = await callProvider({
    provider: PROVIDER,
    baseUrl: connection.baseUrl || DEFAULT_BASE_URL,
    method: "POST",
    path: "/graphql",
    // Personal API keys go in Authorization as they are; only OAuth tokens take `Bearer`.
    headers: { authorization: connection.apiKey },
    json: { query, variables },
    call,
    readFailure: linearFailure,
  });
  const data = objectBody(response)?.data;
  return { response, data: isJsonObject(data) ? data : undefined };
}

const VIEWER = "query Viewer { viewer { id name displayName email } }";
const CREATE_ISSUE = `mutation IssueCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier title url } }
}`;
const TEAMS = `query Teams($first: Int!, $after: String) {
  teams(first: $first, after: $after) { nodes { id key name } pageInfo { hasNextPage endCursor } }
}`;

const createIssueParams = {
  teamId: t.string({ required: true, description: "Team id (from listTeams)." }),
  title: t.string({ required: true, description: "Issue title." }),
  description: t.string({ description: "Issue description (Markdown)." }),
  priority: t.number({ description: "0 none, 1 urgent, 2 high, 3 medium, 4 low." }),
  assigneeId: t.string({ description: "User id to assign." }),
};

const listTeamsParams = {
  first: t.number({ default: 50, description: "Teams per page (1 to 250)." }),
  after: t.string({ description: "endCursor of the previous page." }),
};

const sampleIssue = {
  id: "9cfb482a-81e3-4154-b5b9-2c805e70a02d",
  identifier: "ENG-123",
  title: "Fix login",
  url: "https://linear.app/acme/issue/ENG-123",
};

/** Linear GraphQL API with a personal API key: create issues, read the key's user and the teams. */
export const linearConnector = defineConnector({
  name: "linear",
  displayName: "Linear",
  version: "1.0.1",
  description: "Create Linear issues and read the API key's user and teams (GraphQL API).",
  authType: "api_key",
  category: "project-management",
  tags: ["issues", "project-management", "graphql"],
  connectionConfig: {
    apiKey: t.secret({ required: true, description: "Personal API key (lin_api_…)." }),
    baseUrl: t.string({
      default: DEFAULT_BASE_URL,
      description: "API base URL; requests go to <baseUrl>/graphql.",
    }),
  },
  webhook: { provider: "linear" },
  errorMap: mapProviderError,
  commands: {
    test: defineCommand<Record<string, never>, LinearConnection>({
      description: "Check that Linear accepts the API key (viewer query).",
      params: {},
      readOnly: true,
      outputs: ["reachable"],
      mock: { default: () => succeed({ payload: { reachable: true } }) },
      async handler({ connection, ...call }) {
        const { response, data } = await graphql(connection, VIEWER, {}, call);
        if (!isJsonObject(data?.viewer)) return unexpectedBody(PROVIDER, "viewer", response);
        return succeed({ payload: { reachable: true } });
      },
    }),

    createIssue: defineCommand<typeof createIssueParams, LinearConnection>({
      description: "Create an issue in a team (issueCreate mutation).",
      params: createIssueParams,
      readOnly: false,
      destructive: false,
      idempotent: false,
      outputs: ["issue"],
      mock: {
        default: ({ params }) =>
          succeed({
            payload: { issue: { ...sampleIssue, title: params.title } },
            variables: { issueId: sampleIssue.id, issueIdentifier: "ENG-123" },
          }),
      },
      async handler({ params, connection, ...call }) {
        if (
          params.priority !== undefined &&
          (!Number.isInteger(params.priority) || params.priority < 0 || params.priority > 4)
        ) {
          return fail({ error: "priority must be a whole number from 0 to 4" });
        }
        const input = {
          teamId: params.teamId,
          title: params.title,
          ...(params.description !== undefined ? { description: params.description } : {}),
          ...(params.priority !== undefined ? { priority: params.priority } : {}),
          ...(params.assigneeId !== undefined ? { assigneeId: params.assigneeId } : {}),
        };
        const { response, data } = await graphql(connection, CREATE_ISSUE, { input }, call);
        const result = data?.issueCreate;
        const issue = isJsonObject(result) ? result.issue : undefined;
        if (
          !isJsonObject(result) ||
          result.success !== true ||
          !isJsonObject(issue) ||
          typeof issue.id !== "string"
        ) {
          return unexpectedBody(PROVIDER, "issueCreate", response);
        }
        return succeed({
          payload: { issue },
          variables: {
            issueId: issue.id,
            ...(typeof issue.identifier === "string" ? { issueIdentifier: issue.identifier } : {}),
          },
        });
      },
    }),

    getViewer: defineCommand<Record<string, never>, LinearConnection>({
      description: "The user the API key belongs to (viewer query).",
      params: {},
      readOnly: true,
      outputs: ["viewer"],
      mock: {
        default: () =>
          succeed({
            payload: {
              viewer: {
                id: "2f1e5d9c-0000-4000-8000-000000000001",
                name: "Ada Lovelace",
                displayName: "ada",
              },
            },
          }),
      },
      async handler({ connection, ...call }) {
        const { response, data } = await graphql(connection, VIEWER, {}, call);
        if (!isJsonObject(data?.viewer)) return unexpectedBody(PROVIDER, "viewer", response);
        return succeed({ payload: { viewer: data.viewer } });
      },
    }),

    listTeams: defineCommand<typeof listTeamsParams, LinearConnection>({
      description: "List one page of the workspace's teams, for their ids (teams query).",
      params: listTeamsParams,
      readOnly: true,
      outputs: ["teams", "nextCursor"],
      mock: {
        default: () =>
          succeed({
            payload: { teams: [{ id: "team-1", key: "ENG", name: "Engineering" }], nextCursor: null },
          }),
      },
      async handler({ params, connection, ...call }) {
        if (!Number.isInteger(params.first) || params.first < 1 || params.first > 250) {
          return fail({ error: "first must be a whole number from 1 to 250" });
        }
        const variables = {
          first: params.first,
          ...(params.after !== undefined ? { after: params.after } : {}),
        };
        const { response, data } = await graphql(connection, TEAMS, variables, call);
        const teams = isJsonObject(data?.teams) ? data.teams : undefined;
        if (teams === undefined || !Array.isArray(teams.nodes))
          return unexpectedBody(PROVIDER, "teams", response);
        const pageInfo = isJsonObject(teams.pageInfo) ? teams.pageInfo : {};
        const nextCursor =
          pageInfo.hasNextPage === true && typeof pageInfo.endCursor === "string" ? pageInfo.endCursor : null;
        return succeed({ payload: { teams: teams.nodes, nextCursor } });
      },
    }),
  },
});
