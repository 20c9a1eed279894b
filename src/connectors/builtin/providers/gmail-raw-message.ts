/** What {@link gmailRawMessage} puts in a message. */
export interface PlainTextEmail {
  to: string;
  subject: string;
  text: string;
  cc?: string | undefined;
  bcc?: string | undefined;
}

// A header value with a line break could add headers of its own (header injection).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** The header whose value holds a control character, if any. */
export function headerProblem(email: PlainTextEmail): string | undefined {
  for (const [name, value] of [
    ["to", email.to],
    ["subject", email.subject],
    ["cc", email.cc],
    ["bcc", email.bcc],
  ] as const) {
    if (value !== undefined && CONTROL.test(value)) return `${name} must be one line`;
  }
  return undefined;
}

/**
 * A subject as RFC 2047 encoded-words when it is not plain ASCII, each at most 75 characters
 * (RFC 2047 §2), folded onto continuation lines.
 */
function encodeSubject(subject: string): string {
  if (/^[\x20-\x7e]*$/.test(subject)) return subject;
  const words: string[] = [];
  let chunk = "";
  for (const char of subject) {
    // 45 bytes of UTF-8 is 60 base64 characters: `=?UTF-8?B?` + 60 + `?=` = 72.
    if (Buffer.byteLength(chunk + char) > 45) {
      words.push(chunk);
      chunk = "";
    }
    chunk += char;
  }
  words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word).toString("base64")}?=`).join("\r\n ");
}

/**
 * A plain-text RFC 2822 / MIME message, base64url-encoded as Gmail's `messages.send` takes it in `raw`.
 * The body is base64 so that any text survives; Gmail fills in From, Date and Message-ID. Call
 * {@link headerProblem} first.
 */
export function gmailRawMessage(email: PlainTextEmail): string {
  const body = Buffer.from(email.text).toString("base64").replace(/.{76}/g, "$&\r\n");
  const lines = [
    `To: ${email.to}`,
    ...(email.cc !== undefined ? [`Cc: ${email.cc}`] : []),
    ...(email.bcc !== undefined ? [`Bcc: ${email.bcc}`] : []),
    `Subject: ${encodeSubject(email.subject)}`,
    "MIME-Version: 1.0",
    'Content-Type: text/plain; charset="UTF-8"',
    "Content-Transfer-Encoding: base64",
    "",
    body,
  ];
  return Buffer.from(lines.join("\r\n")).toString("base64url");
}
