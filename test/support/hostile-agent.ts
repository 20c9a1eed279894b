import { create } from "@bufbuild/protobuf";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  type AgentMessage,
  AgentMessageSchema,
  AgentService,
  type Hello,
  type HttpRequest,
  type ServerMessage,
} from "../../gen/patchbay/agent/v1/agent_pb.ts";
import { createMessageQueue, type MessageQueue } from "../../src/agents/message-queue.ts";

/** An agent client under a test's control: every request it is sent, answered with an empty JSON list. */
export interface HostileAgent {
  readonly outbox: MessageQueue<AgentMessage>;
  readonly requests: HttpRequest[];
  /** The Welcome, or the stream's end when it never came. */
  readonly welcomed: Promise<ServerMessage | ConnectError | undefined>;
  /** The stream's end: undefined when it ended cleanly, else the error. */
  readonly ended: Promise<ConnectError | undefined>;
}

/** Connects an agent of `pool` to the server at `baseUrl` with `key`; `hello` overrides its Hello's fields. */
export function hostileAgent(
  baseUrl: string,
  key: string,
  pool: string,
  hello: Partial<Pick<Hello, "agentId" | "connectors">> = {},
): HostileAgent {
  const client = createClient(AgentService, createGrpcTransport({ baseUrl }));
  const outbox = createMessageQueue<AgentMessage>();
  outbox.push(
    create(AgentMessageSchema, {
      kind: {
        case: "hello",
        value: { agentId: "hostile-agent", name: "hostile", version: "0", pool, capacity: 16, ...hello },
      },
    }),
  );
  const requests: HttpRequest[] = [];
  let welcome: (m: ServerMessage | ConnectError | undefined) => void = () => undefined;
  const welcomed = new Promise<ServerMessage | ConnectError | undefined>((resolve) => {
    welcome = resolve;
  });
  const stream = client
    .connect(outbox, { headers: { authorization: `Bearer ${key}` } })
    [Symbol.asyncIterator]();
  const ended = (async () => {
    try {
      for (let n = await stream.next(); n.done !== true; n = await stream.next()) {
        const { kind } = n.value;
        if (kind.case === "welcome") welcome(n.value);
        if (kind.case !== "request") continue;
        requests.push(kind.value);
        outbox.push(
          create(AgentMessageSchema, {
            kind: {
              case: "responseHead",
              value: {
                requestId: kind.value.id,
                status: 200,
                headers: [{ name: "content-type", value: "application/json" }],
                body: new TextEncoder().encode("[]"),
                end: true,
              },
            },
          }),
        );
      }
      return undefined;
    } catch (error) {
      return ConnectError.from(error);
    }
  })();
  void ended.then(welcome);
  return { outbox, requests, welcomed, ended };
}
