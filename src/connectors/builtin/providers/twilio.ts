import type { OutboundResponse } from "../../../outbound/index.ts";
import { defineCommand, defineConnector } from "../../define/define-connector.ts";
import { t } from "../../define/fields.ts";
import { fail, succeed } from "../../define/outcome.ts";
import {
  callProvider,
  type Fields,
  httpFailure,
  objectBody,
  type ProviderCall,
  unexpectedBody,
} from "./call-provider.ts";
import { mapProviderError, type ProviderFailure, safeCode } from "./provider-api-error.ts";

/** The decrypted connection fields. */
interface TwilioConnection {
  baseUrl?: string;
  accountSid: string;
  authToken: string;
}

const PROVIDER = "Twilio";
const DEFAULT_BASE_URL = "https://api.twilio.com";
// Sids are path segments: checked so that a param cannot rewrite the path.
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;
const SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
const badAccountSid = "accountSid must be a Twilio account sid (AC followed by 32 hex digits)";

/** Twilio's error body: `{code: 20003, message, more_info, status}`; `message` can quote phone numbers. */
function twilioFailure(response: OutboundResponse): ProviderFailure | undefined {
  const failure = httpFailure(response);
  if (failure === undefined) return undefined;
  const code = safeCode(objectBody(response)?.code);
  return typeof code === "number" ? { ...failure, code } : failure;
}

/** One call below the account (`/2010-04-01/Accounts/{sid}…`), authenticated with HTTP Basic. */
function accountApi(
  connection: TwilioConnection,
  method: "GET" | "POST",
  path: string,
  form: Fields | undefined,
  call: ProviderCall,
): Promise<OutboundResponse> {
  const basic = Buffer.from(`${connection.accountSid}:${connection.authToken}`).toString("base64");
  return callProvider({
    provider: PROVIDER,
    baseUrl: connection.baseUrl || DEFAULT_BASE_URL,
    method,
    path: `/2010-04-01/Accounts/${connection.accountSid}${path}`,
    headers: { authorization: `Basic ${basic}` },
    ...(form !== undefined ? { form } : {}),
    call,
    readFailure: twilioFailure,
  });
}

const sendSmsParams = {
  to: t.string({ required: true, description: "Recipient in E.164 (+15551234567)." }),
  body: t.string({ required: true, description: "Message text, at most 1600 characters." }),
  from: t.string({ description: "Sending Twilio number in E.164; or give messagingServiceSid." }),
  messagingServiceSid: t.string({ description: "Messaging Service (MG…) that picks the sender." }),
  statusCallback: t.string({ description: "URL Twilio posts delivery status changes to." }),
};

const getMessageParams = {
  messageSid: t.string({ required: true, description: "Message sid (SM… or MM…)." }),
};

const sampleMessage = {
  sid: "SM00000000000000000000000000000001",
  status: "queued",
  direction: "outbound-api",
  num_segments: "1",
};

/** Twilio Programmable Messaging: send SMS and read a message's status. */
export const twilioConnector = defineConnector({
  name: "twilio",
  displayName: "Twilio",
  version: "1.0.1",
  description: "Send SMS and read message status with Twilio Programmable Messaging.",
  authType: "api_key",
  category: "messaging",
  tags: ["messaging", "sms"],
  connectionConfig: {
    accountSid: t.string({ required: true, description: "Account sid (AC…)." }),
    authToken: t.secret({ required: true, description: "Auth token of the account." }),
    baseUrl: t.string({ default: DEFAULT_BASE_URL, description: "REST API base URL." }),
  },
  webhook: { provider: "twilio" },
  errorMap: mapProviderError,
  commands: {
    test: defineCommand<Record<string, never>, TwilioConnection>({
      description: "Check that Twilio accepts the account sid and auth token (GET the account).",
      params: {},
      readOnly: true,
      outputs: ["reachable"],
      mock: { default: () => succeed({ payload: { reachable: true } }) },
      async handler({ connection, ...call }) {
        if (!ACCOUNT_SID.test(connection.accountSid)) return fail({ error: badAccountSid });
        const response = await accountApi(connection, "GET", ".json", undefined, call);
        if (typeof objectBody(response)?.sid !== "string")
          return unexpectedBody(PROVIDER, "the account", response);
        return succeed({ payload: { reachable: true } });
      },
    }),

    sendSms: defineCommand<typeof sendSmsParams, TwilioConnection>({
      description: "Send an SMS (POST /2010-04-01/Accounts/{AccountSid}/Messages.json).",
      params: sendSmsParams,
      readOnly: false,
      destructive: false,
      idempotent: false,
      outputs: ["message"],
      mock: {
        default: () =>
          succeed({ payload: { message: sampleMessage }, variables: { messageSid: sampleMessage.sid } }),
      },
      async handler({ params, connection, ...call }) {
        if (!ACCOUNT_SID.test(connection.accountSid)) return fail({ error: badAccountSid });
        if ((params.from === undefined) === (params.messagingServiceSid === undefined)) {
          return fail({ error: "give exactly one of from and messagingServiceSid" });
        }
        if (params.messagingServiceSid !== undefined && !SERVICE_SID.test(params.messagingServiceSid)) {
          return fail({ error: "messagingServiceSid must be a Messaging Service sid (MG…)" });
        }
        if (params.body.length > 1600) return fail({ error: "body must be at most 1600 characters" });
        const response = await accountApi(
          connection,
          "POST",
          "/Messages.json",
          {
            To: params.to,
            Body: params.body,
            From: params.from,
            MessagingServiceSid: params.messagingServiceSid,
            StatusCallback: params.statusCallback,
          },
          call,
        );
        const message = objectBody(response);
        if (typeof message?.sid !== "string") return unexpectedBody(PROVIDER, "a created message", response);
        return succeed({ payload: { message }, variables: { messageSid: message.sid } });
      },
    }),

    getMessage: defineCommand<typeof getMessageParams, TwilioConnection>({
      description: "A message and its delivery status (GET …/Messages/{Sid}.json).",
      params: getMessageParams,
      readOnly: true,
      outputs: ["message"],
      mock: {
        default: ({ params }) =>
          succeed({
            payload: { message: { ...sampleMessage, sid: params.messageSid, status: "delivered" } },
          }),
      },
      async handler({ params, connection, ...call }) {
        if (!ACCOUNT_SID.test(connection.accountSid)) return fail({ error: badAccountSid });
        if (!MESSAGE_SID.test(params.messageSid)) {
          return fail({ error: "messageSid must be a message sid (SM or MM followed by 32 hex digits)" });
        }
        const response = await accountApi(
          connection,
          "GET",
          `/Messages/${params.messageSid}.json`,
          undefined,
          call,
        );
        const message = objectBody(response);
        if (typeof message?.sid !== "string") return unexpectedBody(PROVIDER, "a message", response);
        return succeed({ payload: { message } });
      },
    }),
  },
});
