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
interface DiscordConnection {
  baseUrl?: string;
  botToken: string;
}

const PROVIDER = "Discord";
const DEFAULT_BASE_URL = "https://discord.com/api/v10";
const SNOWFLAKE = /^\d{1,20}$/;
// Discord asks bots to identify themselves as `DiscordBot ($url, $versionNumber)`.
const USER_AGENT = "DiscordBot (Patchbay, 1.0.0)";

/** Discord's error body: `{code: 50001, message}`; a 429 also has `retry_after` (seconds, fractional). */
function discordFailure(response: OutboundResponse): ProviderFailure | undefined {
  const failure = httpFailure(response);
  if (failure === undefined) return undefined;
  const body = objectBody(response);
  const code = safeCode(body?.code);
  const retryAfter = body?.retry_after;
  return {
    ...failure,
    ...(code !== undefined ? { code } : {}),
    ...(failure.retryAfterSeconds === undefined && typeof retryAfter === "number"
      ? { retryAfterSeconds: retryAfter }
      : {}),
  };
}

function discordApi(
  connection: DiscordConnection,
  method: "GET" | "POST",
  path: string,
  json: JsonObject | undefined,
  call: ProviderCall,
): Promise<OutboundResponse> {
  return callProvider({
    provider: PROVIDER,
    baseUrl: connection.baseUrl || DEFAULT_BASE_URL,
    method,
    path,
    headers: { authorization: `Bot ${connection.botToken}`, "user-agent": USER_AGENT },
    ...(json !== undefined ? { json } : {}),
    call,
    readFailure: discordFailure,
  });
}

const createMessageParams = {
  channelId: t.string({ required: true, description: "Channel id (a snowflake)." }),
  content: t.string({ required: true, description: "Message text, 1 to 2000 characters." }),
  allowMentions: t.boolean({
    default: false,
    description: "Let @everyone, role and user mentions in the text notify; off by default.",
  }),
};

const getChannelParams = {
  channelId: t.string({ required: true, description: "Channel id (a snowflake)." }),
};

const sampleUser = { id: "80351110224678912", username: "patchbay", bot: true };

/** Discord REST API v10 with a bot token: post messages, read the bot user and channels. */
export const discordConnector = defineConnector({
  name: "discord",
  displayName: "Discord",
  version: "1.0.1",
  description: "Post messages to Discord channels and read the bot user and channels (REST API v10).",
  authType: "api_key",
  category: "messaging",
  tags: ["messaging", "chat", "bot"],
  connectionConfig: {
    botToken: t.secret({ required: true, description: "Bot token from the Developer Portal." }),
    baseUrl: t.string({ default: DEFAULT_BASE_URL, description: "REST API base URL, with the version." }),
  },
  webhook: { provider: "discord" },
  errorMap: mapProviderError,
  commands: {
    test: defineCommand<Record<string, never>, DiscordConnection>({
      description: "Check that Discord accepts the bot token (GET /users/@me).",
      params: {},
      readOnly: true,
      outputs: ["reachable"],
      mock: { default: () => succeed({ payload: { reachable: true } }) },
      async handler({ connection, ...call }) {
        const response = await discordApi(connection, "GET", "/users/@me", undefined, call);
        if (objectBody(response) === undefined) return unexpectedBody(PROVIDER, "/users/@me", response);
        return succeed({ payload: { reachable: true } });
      },
    }),

    createMessage: defineCommand<typeof createMessageParams, DiscordConnection>({
      description: "Post a message to a channel (POST /channels/{channel.id}/messages).",
      params: createMessageParams,
      readOnly: false,
      destructive: false,
      idempotent: false,
      outputs: ["message"],
      mock: {
        default: ({ params }) =>
          succeed({
            payload: {
              message: { id: "1100000000000000000", channel_id: params.channelId, content: params.content },
            },
            variables: { messageId: "1100000000000000000" },
          }),
      },
      async handler({ params, connection, ...call }) {
        if (!SNOWFLAKE.test(params.channelId))
          return fail({ error: "channelId must be a Discord snowflake" });
        if (params.content.length > 2000) return fail({ error: "content must be at most 2000 characters" });
        const response = await discordApi(
          connection,
          "POST",
          `/channels/${params.channelId}/messages`,
          {
            content: params.content,
            // An empty parse list keeps text from an upstream step from pinging @everyone.
            ...(params.allowMentions ? {} : { allowed_mentions: { parse: [] } }),
          },
          call,
        );
        const message = objectBody(response);
        if (typeof message?.id !== "string") return unexpectedBody(PROVIDER, "a created message", response);
        return succeed({ payload: { message }, variables: { messageId: message.id } });
      },
    }),

    getCurrentUser: defineCommand<Record<string, never>, DiscordConnection>({
      description: "The bot's own user (GET /users/@me).",
      params: {},
      readOnly: true,
      outputs: ["user"],
      mock: { default: () => succeed({ payload: { user: sampleUser } }) },
      async handler({ connection, ...call }) {
        const response = await discordApi(connection, "GET", "/users/@me", undefined, call);
        const user = objectBody(response);
        if (typeof user?.id !== "string") return unexpectedBody(PROVIDER, "/users/@me", response);
        return succeed({ payload: { user } });
      },
    }),

    getChannel: defineCommand<typeof getChannelParams, DiscordConnection>({
      description: "A channel by id (GET /channels/{channel.id}).",
      params: getChannelParams,
      readOnly: true,
      outputs: ["channel"],
      mock: {
        default: ({ params }) =>
          succeed({ payload: { channel: { id: params.channelId, type: 0, name: "general" } } }),
      },
      async handler({ params, connection, ...call }) {
        if (!SNOWFLAKE.test(params.channelId))
          return fail({ error: "channelId must be a Discord snowflake" });
        const response = await discordApi(
          connection,
          "GET",
          `/channels/${params.channelId}`,
          undefined,
          call,
        );
        const channel = objectBody(response);
        if (!isJsonObject(channel) || typeof channel.id !== "string") {
          return unexpectedBody(PROVIDER, "a channel", response);
        }
        return succeed({ payload: { channel } });
      },
    }),
  },
});
