import { OutboundError } from "./outbound-error.ts";

/**
 * An outbound request's URL (or a redirect's, against `base`): absolute, http or https, and carrying no
 * credentials; anything else is BAD_URL, with at most the host name in the message.
 */
export function parseTarget(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new OutboundError("BAD_URL", "Outbound request URL is not a valid absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new OutboundError(
      "BAD_URL",
      `Outbound request to ${url.hostname || "a URL"} refused: only http and https`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new OutboundError(
      "BAD_URL",
      `Outbound request to ${url.hostname} refused: URL carries credentials`,
    );
  }
  return url;
}
