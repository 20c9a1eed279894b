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
interface WhatsAppConnection {
  baseUrl?: string;
  accessToken: string;
  phoneNumberId: string;
}

const PROVIDER = "WhatsApp";
const DEFAULT_BASE_URL = "https://graph.facebook.com/v21.0";
const GRAPH_ID = /^\d{1,20}$/;
const badPhoneNumberId = "phoneNumberId must be the numeric id of a WhatsApp Business phone number";

/**
 * Graph API error codes that stand for a refused token (190), missing permission (10, 200-299) or a
 * rate limit (4, 80007, 130429, 131048, 131056); Graph often answers them with a 400.
 */
function statusOfGraphCode(code: number): number | undefined {
  if (code === 190) return 401;
  if (code === 10 || (code >= 200 && code <= 299)) return 403;
  if ([4, 80007, 130429, 131048, 131056].includes(code)) return 429;
  return undefined;
}

/** The Graph API's error body: `{error: {message, type, code, error_subcode, fbtrace_id}}`. */
function graphFailure(response: OutboundResponse): ProviderFailure | undefined {
  const failure = httpFailure(response);
  if (failure === undefined) return undefined;
  const error = objectBody(response)?.error;
  const code = safeCode(isJsonObject(error) ? error.code : undefined);
  if (typeof code !== "number") return failure;
  return { ...failure, status: statusOfGraphCode(code) ?? failure.status, code };
}

/** Sends one message object to `/{phoneNumberId}/messages`. */
async function sendMessage(connection: WhatsAppConnection, message: JsonObject, call: ProviderCall) {
  const response = await callProvider({
    provider: PROVIDER,
    baseUrl: connection.baseUrl || DEFAULT_BASE_URL,
    method: "POST",
    path: `/${connection.phoneNumberId}/messages`,
    headers: { authorization: `Bearer ${connection.accessToken}` },
    json: { messaging_product: "whatsapp", recipient_type: "individual", ...message },
    call,
    readFailure: graphFailure,
  });
  // `{messaging_product, contacts: [{input, wa_id}], messages: [{id, message_status?}]}`
  const messages = objectBody(response)?.messages;
  const first: unknown = Array.isArray(messages) ? messages[0] : undefined;
  if (!isJsonObject(first) || typeof first.id !== "string") {
    return unexpectedBody(PROVIDER, "a sent message", response);
  }
  return succeed({
    payload: {
      messageId: first.id,
      ...(typeof first.message_status === "string" ? { messageStatus: first.message_status } : {}),
    },
    variables: { messageId: first.id },
  });
}

/** WhatsApp takes the recipient as digits with the country code; `+`, spaces and dashes are dropped. */
function recipient(to: string): string | undefined {
  const digits = to.replace(/[\s()+-]/g, "");
  return /^\d{6,15}$/.test(digits) ? digits : undefined;
}

const badRecipient = "to must be a phone number with country code (6 to 15 digits)";

const sendTextParams = {
  to: t.string({ required: true, description: "Recipient's phone number with country code." }),
  text: t.string({ required: true, description: "Message text, at most 4096 characters." }),
  previewUrl: t.boolean({ default: false, description: "Render a preview of the first URL in the text." }),
};

const sendTemplateParams = {
  to: t.string({ required: true, description: "Recipient's phone number with country code." }),
  templateName: t.string({ required: true, description: "Name of an approved message template." }),
  languageCode: t.string({ default: "en_US", description: "Template language and locale code." }),
  components: t.raw({
    description: "Template components (header, body and button parameters), as Meta documents them.",
  }),
};

const sampleSent = { messageId: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3N0FBQTc2NkE0QkEzMjIzQTkA" };

/** WhatsApp Business Cloud API (Meta Graph API): send text and template messages from one business number. */
export const whatsappConnector = defineConnector({
  name: "whatsapp",
  displayName: "WhatsApp",
  version: "1.0.1",
  description: "Send WhatsApp text and template messages from a business phone number (Cloud API).",
  authType: "api_key",
  category: "messaging",
  tags: ["messaging", "chat", "sms"],
  connectionConfig: {
    accessToken: t.secret({
      required: true,
      description: "System-user or app access token with whatsapp_business_messaging.",
    }),
    phoneNumberId: t.string({
      required: true,
      description: "Id of the sending business phone number (not the number itself).",
    }),
    baseUrl: t.string({ default: DEFAULT_BASE_URL, description: "Graph API base URL, with the version." }),
  },
  webhook: { provider: "whatsapp" },
  errorMap: mapProviderError,
  commands: {
    test: defineCommand<Record<string, never>, WhatsAppConnection>({
      description: "Check that the token can read the business phone number (GET /{phoneNumberId}).",
      params: {},
      readOnly: true,
      outputs: ["reachable"],
      mock: { default: () => succeed({ payload: { reachable: true } }) },
      async handler({ connection, ...call }) {
        if (!GRAPH_ID.test(connection.phoneNumberId)) return fail({ error: badPhoneNumberId });
        const response = await callProvider({
          provider: PROVIDER,
          baseUrl: connection.baseUrl || DEFAULT_BASE_URL,
          method: "GET",
          path: `/${connection.phoneNumberId}`,
          query: { fields: "id" },
          headers: { authorization: `Bearer ${connection.accessToken}` },
          call,
          readFailure: graphFailure,
        });
        if (typeof objectBody(response)?.id !== "string")
          return unexpectedBody(PROVIDER, "the phone number", response);
        return succeed({ payload: { reachable: true } });
      },
    }),

    sendTextMessage: defineCommand<typeof sendTextParams, WhatsAppConnection>({
      description: "Send a text message (POST /{phoneNumberId}/messages, type text).",
      params: sendTextParams,
      readOnly: false,
      destructive: false,
      idempotent: false,
      outputs: ["messageId"],
      mock: { default: () => succeed({ payload: sampleSent, variables: sampleSent }) },
      handler({ params, connection, ...call }) {
        if (!GRAPH_ID.test(connection.phoneNumberId)) return fail({ error: badPhoneNumberId });
        const to = recipient(params.to);
        if (to === undefined) return fail({ error: badRecipient });
        if (params.text.length > 4096) return fail({ error: "text must be at most 4096 characters" });
        return sendMessage(
          connection,
          { to, type: "text", text: { body: params.text, preview_url: params.previewUrl } },
          call,
        );
      },
    }),

    sendTemplateMessage: defineCommand<typeof sendTemplateParams, WhatsAppConnection>({
      description: "Send an approved template message, the only kind allowed outside the 24-hour window.",
      params: sendTemplateParams,
      readOnly: false,
      destructive: false,
      idempotent: false,
      outputs: ["messageId"],
      mock: { default: () => succeed({ payload: sampleSent, variables: sampleSent }) },
      handler({ params, connection, ...call }) {
        if (!GRAPH_ID.test(connection.phoneNumberId)) return fail({ error: badPhoneNumberId });
        const to = recipient(params.to);
        if (to === undefined) return fail({ error: badRecipient });
        if (params.components !== undefined && !Array.isArray(params.components)) {
          return fail({ error: "components must be a list" });
        }
        const template = {
          name: params.templateName,
          language: { code: params.languageCode },
          ...(params.components !== undefined ? { components: params.components } : {}),
        };
        return sendMessage(connection, { to, type: "template", template }, call);
      },
    }),
  },
});
