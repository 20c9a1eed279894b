import { createServer, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  type AgentMessage,
  AgentService,
  type Hello,
  type ServerMessage,
  ServerMessageSchema,
} from "../../gen/patchbay/agent/v1/agent_pb.ts";
import { createOutbox } from "../../src/agent/create-outbox.ts";

/** One agent stream as the test double of Patchbay sees it. */
export interface FakeStream {
  readonly hello: Hello;
  readonly authorization: string | null;
  /** Every message after Hello, in order. */
  readonly received: AgentMessage[];
  /** Whether the agent's side has ended. */
  ended: boolean;
  send(kind: NonNullable<MessageInitShape<typeof ServerMessageSchema>["kind"]>): void;
  /** Ends Patchbay's side of the stream. */
  end(): void;
  /** Fails the stream with an error. */
  fail(error: ConnectError): void;
}

/** A test double of Patchbay's AgentService on a real HTTP/2 (h2c) server on 127.0.0.1, port 0. */
export interface FakePatchbay {
  readonly url: string;
  readonly streams: FakeStream[];
  /** Refusals for the next streams, in order (consumed one per stream). */
  readonly refusals: ConnectError[];
  close(): Promise<void>;
}

/** Options of {@link startFakePatchbay}. */
export interface FakePatchbayOptions {
  heartbeatIntervalMs?: number;
  /**
   * Send a heartbeat every interval once welcomed, as Patchbay does (default), or never: the agent then
   * ends the stream after three silent intervals.
   */
  heartbeats?: boolean;
  maxResponseBodyBytes?: number;
  /** Answer Hello with Welcome (default) or keep silent. */
  welcome?: boolean;
}

/** Starts the double; every stream is answered Welcome after Hello. */
export async function startFakePatchbay(options: FakePatchbayOptions = {}): Promise<FakePatchbay> {
  const streams: FakeStream[] = [];
  const refusals: ConnectError[] = [];
  const routes = (router: ConnectRouter) =>
    router.service(AgentService, {
      async *connect(requests, context) {
        const refusal = refusals.shift();
        if (refusal !== undefined) throw refusal;
        const iterator = requests[Symbol.asyncIterator]();
        const first = await iterator.next();
        if (first.done || first.value.kind.case !== "hello") {
          throw new ConnectError("Hello first", Code.InvalidArgument);
        }
        const outbox = createOutbox<ServerMessage>(1_000);
        let failure: ConnectError | undefined;
        const stream: FakeStream = {
          hello: first.value.kind.value,
          authorization: context.requestHeader.get("authorization"),
          received: [],
          ended: false,
          send: (kind) => void outbox.send(create(ServerMessageSchema, { kind })),
          end: () => outbox.end(),
          fail: (error) => {
            failure = error;
            outbox.end();
          },
        };
        streams.push(stream);
        void (async () => {
          try {
            for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
              stream.received.push(next.value);
            }
          } catch {
            // The agent went away.
          }
          stream.ended = true;
          // As Patchbay does: once the agent has closed its side, the stream ends.
          outbox.end();
        })();
        const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1_000;
        let heartbeat: NodeJS.Timeout | undefined;
        if (options.welcome !== false) {
          stream.send({
            case: "welcome",
            value: {
              streamId: `s${streams.length}`,
              heartbeatIntervalMs,
              maxResponseBodyBytes: options.maxResponseBodyBytes ?? 10 * 1024 * 1024,
            },
          });
          if (options.heartbeats !== false)
            heartbeat = setInterval(() => stream.send({ case: "heartbeat", value: {} }), heartbeatIntervalMs);
        }
        try {
          for await (const message of outbox.messages) yield message;
        } finally {
          clearInterval(heartbeat);
        }
        if (failure !== undefined) throw failure;
      },
    });
  const server: Http2Server = createServer(connectNodeAdapter({ routes }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    streams,
    refusals,
    close: async () => {
      for (const stream of streams) stream.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open sessions keep the server up; a stream double owns nothing worth waiting for.
        setTimeout(resolve, 2_000).unref();
      });
    },
  };
}
