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
import { gmailRawMessage, headerProblem } from "./gmail-raw-message.ts";
import { mapProviderError, type ProviderFailure, safeCode } from "./provider-api-error.ts";

/** The instance config plus the connection's OAuth token. */
interface GmailConnection {
  baseUrl?: string;
  accessToken: string;
}

const PROVIDER = "Gmail";
const DEFAULT_BASE_URL = "https://gmail.googleapis.com";
const MESSAGES = "/gmail/v1/users/me/messages";
const MESSAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;
// Google answers some quota errors with 403; the reason says it is a rate limit, not a refused token.
const RATE_LIMIT_REASONS = new Set([
  "rateLimitExceeded",
  "userRateLimitExceeded",
  "dailyLimitExceeded",
  "quotaExceeded",
]);

/** Google's error body: `{error: {code, message, status: "UNAUTHENTICATED", errors: [{reason}]}}`. */
function googleFailure(response: OutboundResponse): ProviderFailure | undefined {
  const failure = httpFailure(response);
  if (failure === undefined) return undefined;
  const error = objectBody(response)?.error;
  if (!isJsonObject(error)) return failure;
  const first: unknown = Array.isArray(error.errors) ? error.errors[0] : undefined;
  const reason = safeCode(isJsonObject(first) ? first.reason : undefined);
  const code = reason ?? safeCode(error.status);
  const limited = failure.status === 403 && typeof reason === "string" && RATE_LIMIT_REASONS.has(reason);
  return { ...failure, ...(limited ? { status: 429 } : {}), ...(code !== undefined ? { code } : {}) };
}

function gmailApi(
  connection: GmailConnection,
  request: { method: "GET" | "POST"; path: string; query?: Fields; json?: JsonObject },
  call: ProviderCall,
): Promise<OutboundResponse> {
  return callProvider({
    provider: PROVIDER,
    baseUrl: connection.baseUrl || DEFAULT_BASE_URL,
    ...request,
    headers: { authorization: `Bearer ${connection.accessToken}` },
    call,
    readFailure: googleFailure,
  });
}

const listMessagesParams = {
  query: t.string({ description: "Gmail search query (`from:alice is:unread`)." }),
  labelIds: t.string({ description: "Comma-separated label ids every message must have (INBOX,UNREAD)." }),
  maxResults: t.number({ default: 20, description: "Messages per page (1 to 500)." }),
  pageToken: t.string({ description: "nextPageToken of the previous page." }),
};

const getMessageParams = {
  messageId: t.string({ required: true, description: "Message id." }),
  format: t.select(["minimal", "metadata", "full", "raw"], {
    default: "metadata",
    description: "How much of the message to return.",
  }),
};

const sendMessageParams = {
  to: t.string({ required: true, description: "Recipients, comma-separated addresses." }),
  subject: t.string({ required: true, description: "Subject line." }),
  text: t.string({ required: true, description: "Plain-text body." }),
  cc: t.string({ description: "Cc recipients, comma-separated." }),
  bcc: t.string({ description: "Bcc recipients, comma-separated." }),
  threadId: t.string({ description: "Thread to add the message to (the subject must match)." }),
};

const sampleRef = { id: "18c2f0a1b2c3d4e5", threadId: "18c2f0a1b2c3d4e5" };

/** Gmail API v1 for one user who granted access with OAuth 2.0: list, read and send messages. */
export const gmailConnector = defineConnector({
  name: "gmail",
  displayName: "Gmail",
  version: "1.0.1",
  description: "List, read and send a user's Gmail messages (Gmail API, OAuth 2.0).",
  authType: "oauth",
  category: "email",
  tags: ["email", "google", "oauth"],
  oauth: {
    authorizeUrl: "https://accounts.google.com/o/oauth2/v2/auth",
    tokenUrl: "https://oauth2.googleapis.com/token",
    revokeUrl: "https://oauth2.googleapis.com/revoke",
    scopes: ["https://www.googleapis.com/auth/gmail.readonly", "https://www.googleapis.com/auth/gmail.send"],
    // Google issues a refresh token only for offline access, and again only when consent is shown.
    extraAuthorizeParams: { access_type: "offline", prompt: "consent" },
    selectAccountParams: { prompt: "select_account consent" },
    tokenAuthMethod: "client_secret_post",
  },
  connectionConfig: {
    baseUrl: t.string({ default: DEFAULT_BASE_URL, description: "Gmail API base URL." }),
    // Optional here: the client may come from PATCHBAY_OAUTH_GMAIL_CLIENT_ID/SECRET instead.
    clientId: t.string({ description: "Google OAuth client id (or PATCHBAY_OAUTH_GMAIL_CLIENT_ID)." }),
    clientSecret: t.secret({
      description: "Google OAuth client secret (or PATCHBAY_OAUTH_GMAIL_CLIENT_SECRET).",
    }),
  },
  webhook: { provider: "gmail" },
  errorMap: mapProviderError,
  commands: {
    listMessages: defineCommand<typeof listMessagesParams, GmailConnection>({
      description: "List one page of message ids, newest first (users.messages.list).",
      params: listMessagesParams,
      readOnly: true,
      outputs: ["messages", "nextPageToken", "resultSizeEstimate"],
      mock: {
        default: () =>
          succeed({
            payload: { messages: [sampleRef], nextPageToken: null, resultSizeEstimate: 1 },
            variables: { messageCount: 1 },
          }),
        empty: () =>
          succeed({
            payload: { messages: [], nextPageToken: null, resultSizeEstimate: 0 },
            variables: { messageCount: 0 },
          }),
      },
      async handler({ params, connection, ...call }) {
        if (!Number.isInteger(params.maxResults) || params.maxResults < 1 || params.maxResults > 500) {
          return fail({ error: "maxResults must be a whole number from 1 to 500" });
        }
        const labelIds = (params.labelIds ?? "")
          .split(",")
          .map((label) => label.trim())
          .filter(Boolean);
        const response = await gmailApi(
          connection,
          {
            method: "GET",
            path: MESSAGES,
            query: { q: params.query, labelIds, maxResults: params.maxResults, pageToken: params.pageToken },
          },
          call,
        );
        const body = objectBody(response);
        // An empty mailbox or search has no `messages` key at all.
        const messages = body?.messages ?? [];
        if (body === undefined || !Array.isArray(messages))
          return unexpectedBody(PROVIDER, "messages.list", response);
        return succeed({
          payload: {
            messages,
            nextPageToken: typeof body.nextPageToken === "string" ? body.nextPageToken : null,
            resultSizeEstimate:
              typeof body.resultSizeEstimate === "number" ? body.resultSizeEstimate : messages.length,
          },
          variables: { messageCount: messages.length },
        });
      },
    }),

    getMessage: defineCommand<typeof getMessageParams, GmailConnection>({
      description: "One message (users.messages.get).",
      params: getMessageParams,
      readOnly: true,
      outputs: ["message"],
      mock: {
        default: ({ params }) =>
          succeed({ payload: { message: { ...sampleRef, id: params.messageId, snippet: "Hello" } } }),
      },
      async handler({ params, connection, ...call }) {
        if (!MESSAGE_ID.test(params.messageId))
          return fail({ error: "messageId must be a Gmail message id" });
        const response = await gmailApi(
          connection,
          { method: "GET", path: `${MESSAGES}/${params.messageId}`, query: { format: params.format } },
          call,
        );
        const message = objectBody(response);
        if (typeof message?.id !== "string") return unexpectedBody(PROVIDER, "messages.get", response);
        return succeed({ payload: { message } });
      },
    }),

    sendMessage: defineCommand<typeof sendMessageParams, GmailConnection>({
      description: "Send a plain-text email as the user (users.messages.send, raw RFC 2822).",
      params: sendMessageParams,
      readOnly: false,
      destructive: false,
      idempotent: false,
      outputs: ["id", "threadId", "labelIds"],
      mock: {
        default: () =>
          succeed({ payload: { ...sampleRef, labelIds: ["SENT"] }, variables: { messageId: sampleRef.id } }),
      },
      async handler({ params, connection, ...call }) {
        const email = {
          to: params.to,
          subject: params.subject,
          text: params.text,
          cc: params.cc,
          bcc: params.bcc,
        };
        const problem = headerProblem(email);
        if (problem !== undefined) return fail({ error: problem });
        const response = await gmailApi(
          connection,
          {
            method: "POST",
            path: `${MESSAGES}/send`,
            json: {
              raw: gmailRawMessage(email),
              ...(params.threadId !== undefined ? { threadId: params.threadId } : {}),
            },
          },
          call,
        );
        const sent = objectBody(response);
        if (typeof sent?.id !== "string") return unexpectedBody(PROVIDER, "messages.send", response);
        return succeed({
          payload: { id: sent.id, threadId: sent.threadId ?? null, labelIds: sent.labelIds ?? [] },
          variables: { messageId: sent.id },
        });
      },
    }),
  },
});
