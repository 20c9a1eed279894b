/** A response body for the caller: parsed when its content type says JSON (and it parses), else the text. */
export function parseBody(text: string, contentType: string): unknown {
  if (!/json/i.test(contentType) || text === "") return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
