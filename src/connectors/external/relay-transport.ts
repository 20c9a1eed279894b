import type { Transport } from "@connectrpc/connect";
import type { UniversalClientFn } from "@connectrpc/connect/protocol";
import { createTransport } from "@connectrpc/connect/protocol-connect";

/** The largest message connect-es handles (its default write limit). */
const MAX_WRITE_BYTES = 0xffffffff;

/**
 * A Connect-protocol transport whose every call is one request through `relay` (a fetch answered whole,
 * such as one through an on-premise agent): the library does the protocol, the relay only carries bytes.
 * Unary calls only: a relay has no streams. No compression is asked for, so the body the relay hands
 * back is the message as sent.
 */
export function createRelayTransport(baseUrl: string, relay: typeof fetch, readMaxBytes: number): Transport {
  return createTransport({
    httpClient: relayClient(relay),
    baseUrl,
    useBinaryFormat: true,
    interceptors: [],
    acceptCompression: [],
    sendCompression: null,
    compressMinBytes: 1024,
    readMaxBytes,
    writeMaxBytes: MAX_WRITE_BYTES,
  });
}

/** Connect's HTTP client as a fetch: the request body collected, the answer handed over as one chunk. */
function relayClient(relay: typeof fetch): UniversalClientFn {
  return async (request) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of request.body ?? []) chunks.push(chunk);
    const response = await relay(request.url, {
      method: request.method,
      headers: request.header,
      ...(request.body === undefined ? {} : { body: Buffer.concat(chunks) }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      redirect: "error",
    });
    const body = new Uint8Array(await response.arrayBuffer());
    return {
      status: response.status,
      header: response.headers,
      body: (async function* () {
        yield body;
      })(),
      trailer: new Headers(),
    };
  };
}
