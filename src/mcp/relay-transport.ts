import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  isJSONRPCRequest,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
} from "@modelcontextprotocol/sdk/types.js";
import type { ReplyRelay } from "./reply-relay.ts";

/**
 * The transport a request's MCP server talks through: the SDK's stateless transport, except that each
 * request the server sends the client (sampling) leaves under a wire id of the {@link ReplyRelay}'s,
 * unique across requests and replicas, and the client's answer, in whichever later POST and on whichever
 * replica it arrives, comes back through the relay under the server's own id. Without this, the answer
 * would reach a new server that never asked (each POST gets its own) and be dropped.
 */
export class RelayTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  readonly #inner: Transport;
  readonly #relay: ReplyRelay;
  readonly #keyId: string;
  readonly #cancels = new Set<() => void>();

  constructor(inner: Transport, relay: ReplyRelay, keyId: string) {
    this.#inner = inner;
    this.#relay = relay;
    this.#keyId = keyId;
  }

  get sessionId(): string | undefined {
    return this.#inner.sessionId;
  }

  async start(): Promise<void> {
    this.#inner.onmessage = (message, extra) => this.onmessage?.(message, extra);
    this.#inner.onerror = (error) => this.onerror?.(error);
    this.#inner.onclose = () => {
      for (const cancel of this.#cancels) cancel();
      this.#cancels.clear();
      this.onclose?.();
    };
    await this.#inner.start();
  }

  setProtocolVersion(version: string): void {
    this.#inner.setProtocolVersion?.(version);
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (!isJSONRPCRequest(message)) return this.#inner.send(message, options);
    const own: RequestId = message.id;
    const waiting = this.#relay.expect(this.#keyId, (reply) => {
      this.#cancels.delete(waiting.cancel);
      this.onmessage?.({ ...reply, id: own });
    });
    this.#cancels.add(waiting.cancel);
    await this.#inner.send({ ...message, id: waiting.id }, options);
  }

  async close(): Promise<void> {
    await this.#inner.close();
  }
}
