import { tooLarge } from "./read-capped-body.ts";

/** What {@link cappedResponse} needs of an undici answer (its body already decoded). */
export interface DecodedAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly body: ReadableStream<Uint8Array> | null;
}

/**
 * The answer as a global `Response` whose body errors with `TOO_LARGE` once more than `maxBytes` have been
 * read. undici has already unpacked gzip, deflate, br and zstd, so the count is of decoded bytes: a small
 * compressed body cannot unpack past the cap. A `content-length` over the cap is refused before reading.
 * Either refusal cancels the answer's body, which aborts the request: nothing more of the answer is read
 * or buffered, and a connection still carrying it is destroyed rather than drained.
 */
export async function cappedResponse(
  answer: DecodedAnswer,
  maxBytes: number,
  host: string,
): Promise<Response> {
  const init = { status: answer.status, statusText: answer.statusText, headers: answer.headers };
  const source = answer.body;
  if (source === null) return new Response(null, init);
  if (Number(answer.headers.get("content-length") ?? 0) > maxBytes) {
    await source.cancel().catch(() => undefined);
    throw tooLarge(host, maxBytes);
  }
  const reader = source.getReader();
  let size = 0;
  const counted = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await reader.read();
        if (chunk.done) {
          controller.close();
          return;
        }
        size += chunk.value.byteLength;
        if (size > maxBytes) {
          const error = tooLarge(host, maxBytes);
          controller.error(error);
          await reader.cancel(error).catch(() => undefined);
          return;
        }
        controller.enqueue(chunk.value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    // Read from upstream only when the consumer asks: nothing is buffered ahead of it.
    { highWaterMark: 0 },
  );
  return new Response(counted, init);
}
