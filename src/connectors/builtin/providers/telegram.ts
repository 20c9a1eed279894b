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
import { mapProviderError, type ProviderFailure } from "./provider-api-error.ts";

/** The decrypted connection fields. */
interface TelegramConnection {
  baseUrl?: string;
  botToken: string;
}

const PROVIDER = "Telegram";
const DEFAULT_BASE_URL = "https://api.telegram.org";
// The token is a path segment (`/bot<token>/<method>`): anything else could rewrite the path.
const BOT_TOKEN = /^\d{1,20}:[A-Za-z0-9_-]{20,100}$/;
const badToken = "botToken is not a Telegram bot token (<digits>:<secret>)";

/** Telegram's error body: `{ok: false, error_code, description, parameters: {retry_after}}`. */
function telegramFailure(response: OutboundResponse): ProviderFailure | undefined {
  const failure = httpFailure(response);
  if (failure === undefined) return undefined;
  // `description` is free text (it can quote the request), so only the retry delay is taken.
  const parameters = objectBody(response)?.parameters as JsonObject | undefined;
  const retryAfter = parameters?.retry_after;
  return typeof retryAfter === "number" && failure.retryAfterSeconds === undefined
    ? { ...failure, retryAfterSeconds: retryAfter }
    : failure;
}

/** Calls one Bot API method and returns its `result`, or undefined when the answer is not `{ok: true}`. */
async function botApi(
  connection: TelegramConnection,
  method: string,
  body: JsonObject | undefined,
  call: ProviderCall,
): Promise<{ response: OutboundResponse; result: unknown }> {
  const response = await callProvider({
    provider: PROVIDER,
    baseUrl: connection.baseUrl || DEFAULT_BASE_URL,
    method: body === undefined ? "GET" : "POST",
    path: `/bot${connection.botToken}/${method}`,
    headers: {},
    ...(body !== undefined ? { json: body } : {}),
    call,
    readFailure: telegramFailure,
  });
  const answer = objectBody(response);
  return { response, result: answer?.ok === true ? answer.result : undefined };
}

const sendMessageParams = {
  chatId: t.string({ required: true, description: "Target chat id, or @channelusername." }),
  text: t.string({ required: true, description: "Message text, 1 to 4096 characters." }),
  parseMode: t.select(["HTML", "MarkdownV2", "Markdown"], { description: "How Telegram parses entities." }),
  disableNotification: t.boolean({ default: false, description: "Send silently." }),
  replyToMessageId: t.number({ description: "Id of the message to reply to." }),
};

const setupWebhookParams = {
  allowedUpdates: t.string({
    description:
      "Comma-separated update types to receive (message, callback_query, …); empty for Telegram's default.",
  }),
  dropPendingUpdates: t.boolean({ default: false, description: "Drop updates that are waiting." }),
};

/** Telegram's own limit on `secret_token`: 1–256 characters of A-Z, a-z, 0-9, _ and -. */
const SECRET_TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

const sampleBot = { id: 123456789, is_bot: true, first_name: "Patchbay", username: "patchbay_bot" };

/** Telegram Bot API: send messages, read the bot's identity and its webhook status. */
export const telegramConnector = defineConnector({
  name: "telegram",
  displayName: "Telegram",
  version: "1.0.1",
  description: "Send messages as a Telegram bot, inspect the bot and set up its webhook (Bot API).",
  authType: "api_key",
  category: "messaging",
  tags: ["messaging", "chat", "bot"],
  connectionConfig: {
    botToken: t.secret({ required: true, description: "Bot token from @BotFather (123456:ABC-…)." }),
    baseUrl: t.string({
      default: DEFAULT_BASE_URL,
      description: "Bot API base URL (a local Bot API server).",
    }),
  },
  webhook: { provider: "telegram" },
  errorMap: mapProviderError,
  commands: {
    setupWebhook: defineCommand<typeof setupWebhookParams, TelegramConnection>({
      description:
        "Create a Patchbay webhook endpoint for this bot and register it with Telegram (setWebhook with a generated secret_token).",
      params: setupWebhookParams,
      readOnly: false,
      destructive: true,
      idempotent: false,
      outputs: ["endpointId", "url"],
      mock: {
        default: () =>
          succeed({
            payload: {
              endpointId: "5f0c3a52-3c1e-4b8e-9d0a-2b8f1c7e4a10",
              url: "https://patchbay.example.com/api/v1/connectors/webhooks/telegram/5f0c3a52-3c1e-4b8e-9d0a-2b8f1c7e4a10",
            },
          }),
      },
      async handler({ params, connection, webhooks, ...call }) {
        if (!BOT_TOKEN.test(connection.botToken)) return fail({ error: badToken });
        if (webhooks === undefined)
          return fail({ error: "setupWebhook runs only inside the Patchbay server" });
        const endpoint = await webhooks.createEndpoint({ provider: "telegram" });
        if (!endpoint.ok) return fail({ error: endpoint.error });
        if (!SECRET_TOKEN.test(endpoint.secret)) {
          await webhooks.deleteEndpoint(endpoint.id);
          return fail({ error: "the generated secret token is not one Telegram accepts" });
        }
        const allowed = (params.allowedUpdates ?? "")
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item !== "");
        try {
          const { response, result } = await botApi(
            connection,
            "setWebhook",
            {
              url: endpoint.url,
              secret_token: endpoint.secret,
              ...(allowed.length > 0 ? { allowed_updates: allowed } : {}),
              ...(params.dropPendingUpdates ? { drop_pending_updates: true } : {}),
            },
            call,
          );
          if (result !== true) {
            await webhooks.deleteEndpoint(endpoint.id);
            return unexpectedBody(PROVIDER, "setWebhook", response);
          }
        } catch (error) {
          await webhooks.deleteEndpoint(endpoint.id);
          throw error;
        }
        // The secret token stays with Patchbay (sealed) and Telegram; it is not part of the result.
        return succeed({ payload: { endpointId: endpoint.id, url: endpoint.url } });
      },
    }),

    test: defineCommand<Record<string, never>, TelegramConnection>({
      description: "Check that Telegram accepts the bot token (getMe).",
      params: {},
      readOnly: true,
      outputs: ["reachable"],
      mock: { default: () => succeed({ payload: { reachable: true } }) },
      async handler({ connection, ...call }) {
        if (!BOT_TOKEN.test(connection.botToken)) return fail({ error: badToken });
        const { response, result } = await botApi(connection, "getMe", undefined, call);
        if (!isJsonObject(result)) return unexpectedBody(PROVIDER, "getMe", response);
        return succeed({ payload: { reachable: true } });
      },
    }),

    sendMessage: defineCommand<typeof sendMessageParams, TelegramConnection>({
      description: "Send a text message to a chat (sendMessage).",
      params: sendMessageParams,
      readOnly: false,
      destructive: false,
      idempotent: false,
      outputs: ["message"],
      mock: {
        default: ({ params }) =>
          succeed({
            payload: { message: { message_id: 42, chat: { id: params.chatId }, text: params.text } },
            variables: { messageId: 42 },
          }),
      },
      async handler({ params, connection, ...call }) {
        if (!BOT_TOKEN.test(connection.botToken)) return fail({ error: badToken });
        if (params.text.length > 4096) return fail({ error: "text must be at most 4096 characters" });
        const { response, result } = await botApi(
          connection,
          "sendMessage",
          {
            chat_id: params.chatId,
            text: params.text,
            ...(params.parseMode !== undefined ? { parse_mode: params.parseMode } : {}),
            ...(params.disableNotification ? { disable_notification: true } : {}),
            ...(params.replyToMessageId !== undefined
              ? { reply_parameters: { message_id: params.replyToMessageId } }
              : {}),
          },
          call,
        );
        if (!isJsonObject(result) || typeof result.message_id !== "number") {
          return unexpectedBody(PROVIDER, "sendMessage", response);
        }
        return succeed({ payload: { message: result }, variables: { messageId: result.message_id } });
      },
    }),

    getMe: defineCommand<Record<string, never>, TelegramConnection>({
      description: "The bot's own user (getMe).",
      params: {},
      readOnly: true,
      outputs: ["bot"],
      mock: { default: () => succeed({ payload: { bot: sampleBot } }) },
      async handler({ connection, ...call }) {
        if (!BOT_TOKEN.test(connection.botToken)) return fail({ error: badToken });
        const { response, result } = await botApi(connection, "getMe", undefined, call);
        if (!isJsonObject(result)) return unexpectedBody(PROVIDER, "getMe", response);
        return succeed({ payload: { bot: result } });
      },
    }),

    getWebhookInfo: defineCommand<Record<string, never>, TelegramConnection>({
      description: "The bot's webhook: URL, pending updates, last delivery error (getWebhookInfo).",
      params: {},
      readOnly: true,
      outputs: ["webhook"],
      mock: {
        default: () =>
          succeed({
            payload: { webhook: { url: "", has_custom_certificate: false, pending_update_count: 0 } },
          }),
      },
      async handler({ connection, ...call }) {
        if (!BOT_TOKEN.test(connection.botToken)) return fail({ error: badToken });
        const { response, result } = await botApi(connection, "getWebhookInfo", undefined, call);
        if (!isJsonObject(result)) return unexpectedBody(PROVIDER, "getWebhookInfo", response);
        return succeed({ payload: { webhook: result } });
      },
    }),
  },
});
