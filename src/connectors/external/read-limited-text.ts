/** Thrown by {@link readLimitedText} when a body exceeds its limit. */
export class TooLargeError extends Error {
  override readonly name = "TooLargeError";
}

/**
 * Reads a response body as UTF-8 text, refusing (and cancelling the stream) once it passes `limit`
 * bytes; a `content-length` over the limit is refused before reading.
 */
export async function readLimitedText(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new TooLargeError(`body over ${limit} bytes`);
  }
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new TooLargeError(`body over ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
