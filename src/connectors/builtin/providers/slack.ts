import type { OutboundResponse } from "../../../outbound/index.ts";
import { defineCommand, defineConnector } from "../../define/define-connector.ts";
import { t } from "../../define/fields.ts";
import { fail, type JsonObject, succeed } from "../../define/outcome.ts";
import {
  callProvider,
  type Fields,
  httpFailure,
  isJsonObject,
  objectBody,
  type ProviderCall,
  unexpectedBody,
} from "./call-provider.ts";
import { mapProviderError, type ProviderFailure, safeCode } from "./provider-api-error.ts";

/** The decrypted connection fields. */
interface SlackConnection {
  baseUrl?: string;
  botToken: string;
}

const PROVIDER = "Slack";
const DEFAULT_BASE_URL = "https://slack.com/api";

/**
 * Slack's Web API answers most errors with HTTP 200 and `{ok: false, error: "<code>"}`. These codes stand
 * for a refused token (401), a token without the right scope or access (403), or Slack being down (5xx),
 * so the failure is classified like the HTTP status it stands for; any other code is the command failing.
 */
const STATUS_BY_ERROR: Readonly<Record<string, number>> = {
  not_authed: 401,
  invalid_auth: 401,
  account_inactive: 401,
  token_revoked: 401,
  token_expired: 401,
  org_login_required: 401,
  missing_scope: 403,
  no_permission: 403,
  not_allowed_token_type: 403,
  access_denied: 403,
  team_access_not_granted: 403,
  ekm_access_denied: 403,
  ratelimited: 429,
  internal_error: 500,
  fatal_error: 500,
  service_unavailable: 503,
  request_timeout: 504,
};

function slackFailure(response: OutboundResponse): ProviderFailure | undefined {
  const body = objectBody(response);
  const code = safeCode(body?.error);
  const failure = httpFailure(response);
  if (failure !== undefined) return code === undefined ? failure : { ...failure, code };
  if (body?.ok === true) return undefined;
  if (body?.ok !== false) return undefined; // not a Web API answer: the handler's shape check reports it
  const status = typeof code === "string" ? (STATUS_BY_ERROR[code] ?? 400) : 400;
  return { status, ...(code !== undefined ? { code } : {}) };
}

/** Calls one Web API method (`chat.postMessage`) with the bot token as a bearer token. */
function webApi(
  connection: SlackConnection,
  method: string,
  request: { json?: JsonObject; query?: Fields },
  call: ProviderCall,
): Promise<OutboundResponse> {
  return callProvider({
    provider: PROVIDER,
    baseUrl: connection.baseUrl || DEFAULT_BASE_URL,
    method: request.json === undefined ? "GET" : "POST",
    path: `/${method}`,
    ...(request.query !== undefined ? { query: request.query } : {}),
    headers: {
      authorization: `Bearer ${connection.botToken}`,
      // Without the charset Slack adds a `missing_charset` warning to every answer.
      ...(request.json !== undefined ? { "content-type": "application/json; charset=utf-8" } : {}),
    },
    ...(request.json !== undefined ? { json: request.json } : {}),
    call,
    readFailure: slackFailure,
  });
}

const postMessageParams = {
  channel: t.string({ required: true, description: "Channel, DM or group id (C…, D…, G…) or #name." }),
  text: t.string({ required: true, description: "Message text (mrkdwn)." }),
  threadTs: t.string({ description: "Timestamp of the parent message, to reply in its thread." }),
  unfurlLinks: t.boolean({ default: false, description: "Unfurl links to web pages." }),
};

const listConversationsParams = {
  types: t.string({
    default: "public_channel",
    description: "Comma-separated: public_channel, private_channel, mpim, im.",
  }),
  excludeArchived: t.boolean({ default: true, description: "Leave archived channels out." }),
  limit: t.number({ default: 100, description: "Channels per page (1 to 1000)." }),
  cursor: t.string({ description: "nextCursor of the previous page." }),
};

const sampleChannels = [{ id: "C0123456789", name: "general", is_private: false, is_archived: false }];

/** Slack Web API with a bot token: post messages and list conversations. */
export const slackConnector = defineConnector({
  name: "slack",
  displayName: "Slack",
  version: "1.0.1",
  description: "Post messages and list conversations in a Slack workspace with a bot token (Web API).",
  authType: "api_key",
  category: "messaging",
  tags: ["messaging", "chat", "bot"],
  connectionConfig: {
    botToken: t.secret({
      required: true,
      description: "Bot user OAuth token (xoxb-…) of the installed app.",
    }),
    baseUrl: t.string({ default: DEFAULT_BASE_URL, description: "Web API base URL." }),
  },
  webhook: { provider: "slack" },
  errorMap: mapProviderError,
  commands: {
    test: defineCommand<Record<string, never>, SlackConnection>({
      description: "Check that Slack accepts the bot token (auth.test).",
      params: {},
      readOnly: true,
      outputs: ["reachable"],
      mock: { default: () => succeed({ payload: { reachable: true } }) },
      async handler({ connection, ...call }) {
        const response = await webApi(connection, "auth.test", {}, call);
        if (objectBody(response)?.ok !== true) return unexpectedBody(PROVIDER, "auth.test", response);
        return succeed({ payload: { reachable: true } });
      },
    }),

    postMessage: defineCommand<typeof postMessageParams, SlackConnection>({
      description: "Post a message to a channel (chat.postMessage).",
      params: postMessageParams,
      readOnly: false,
      destructive: false,
      idempotent: false,
      outputs: ["channel", "ts", "message"],
      mock: {
        default: ({ params }) =>
          succeed({
            payload: { channel: "C0123456789", ts: "1700000000.000100", message: { text: params.text } },
            variables: { messageTs: "1700000000.000100" },
          }),
      },
      async handler({ params, connection, ...call }) {
        const response = await webApi(
          connection,
          "chat.postMessage",
          {
            json: {
              channel: params.channel,
              text: params.text,
              unfurl_links: params.unfurlLinks,
              ...(params.threadTs !== undefined ? { thread_ts: params.threadTs } : {}),
            },
          },
          call,
        );
        const body = objectBody(response);
        if (body?.ok !== true || typeof body.ts !== "string" || typeof body.channel !== "string") {
          return unexpectedBody(PROVIDER, "chat.postMessage", response);
        }
        const message = isJsonObject(body.message) ? body.message : {};
        return succeed({
          payload: { channel: body.channel, ts: body.ts, message },
          variables: { messageTs: body.ts },
        });
      },
    }),

    listConversations: defineCommand<typeof listConversationsParams, SlackConnection>({
      description: "List one page of conversations the token can see (conversations.list).",
      params: listConversationsParams,
      readOnly: true,
      outputs: ["channels", "nextCursor"],
      mock: {
        default: () =>
          succeed({
            payload: { channels: sampleChannels, nextCursor: null },
            variables: { channelCount: 1 },
          }),
      },
      async handler({ params, connection, ...call }) {
        if (!Number.isInteger(params.limit) || params.limit < 1 || params.limit > 1000) {
          return fail({ error: "limit must be a whole number from 1 to 1000" });
        }
        const response = await webApi(
          connection,
          "conversations.list",
          {
            query: {
              types: params.types,
              exclude_archived: params.excludeArchived,
              limit: params.limit,
              cursor: params.cursor,
            },
          },
          call,
        );
        const body = objectBody(response);
        if (body?.ok !== true || !Array.isArray(body.channels)) {
          return unexpectedBody(PROVIDER, "conversations.list", response);
        }
        const metadata = isJsonObject(body.response_metadata) ? body.response_metadata : {};
        const next = typeof metadata.next_cursor === "string" ? metadata.next_cursor : "";
        return succeed({
          payload: { channels: body.channels, nextCursor: next === "" ? null : next },
          variables: { channelCount: body.channels.length },
        });
      },
    }),
  },
});
