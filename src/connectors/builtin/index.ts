import type { ConnectorDefinition } from "../define/define-connector.ts";
import { delayConnector } from "./delay.ts";
import { echoConnector } from "./echo.ts";
import { httpConnector } from "./http.ts";
import { oauth2ApiConnector } from "./oauth2-api.ts";
import { placeholderApiConnector } from "./placeholder-api.ts";
import { discordConnector } from "./providers/discord.ts";
import { githubConnector } from "./providers/github.ts";
import { gmailConnector } from "./providers/gmail.ts";
import { linearConnector } from "./providers/linear.ts";
import { slackConnector } from "./providers/slack.ts";
import { stripeConnector } from "./providers/stripe.ts";
import { telegramConnector } from "./providers/telegram.ts";
import { twilioConnector } from "./providers/twilio.ts";
import { whatsappConnector } from "./providers/whatsapp.ts";

/** Every built-in connector type. Adding one here registers it and seeds its catalog row on start. */
export const BUILT_IN_DEFINITIONS: readonly ConnectorDefinition[] = [
  delayConnector,
  echoConnector,
  httpConnector,
  oauth2ApiConnector,
  placeholderApiConnector,
  discordConnector,
  githubConnector,
  gmailConnector,
  linearConnector,
  slackConnector,
  stripeConnector,
  telegramConnector,
  twilioConnector,
  whatsappConnector,
];
