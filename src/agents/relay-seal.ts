import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { HttpRequestSchema, ResponseHeadSchema } from "../../gen/patchbay/agent/v1/agent_pb.ts";
import type { SecretBox } from "../secrets/index.ts";
import type { AgentAnswer, AgentRequest } from "./agent-hub.ts";

/**
 * A relayed request and its answer as stored in `agent_relay`: the protocol's own messages, sealed with
 * the master key and bound to the row's id, so URLs, credentials and bodies are never readable at rest.
 */
export interface RelaySeal {
  sealRequest(id: string, request: AgentRequest): string;
  openRequest(id: string, sealed: string): AgentRequest;
  sealAnswer(id: string, answer: AgentAnswer): string;
  openAnswer(id: string, sealed: string): AgentAnswer;
}

export function createRelaySeal(box: SecretBox): RelaySeal {
  const requestContext = (id: string) => `agent_relay:${id}:request`;
  const answerContext = (id: string) => `agent_relay:${id}:answer`;
  return {
    sealRequest(id, request) {
      const message = create(HttpRequestSchema, {
        id,
        method: request.method,
        url: request.url,
        headers: request.headers.map(([name, value]) => ({ name, value })),
        body: request.body,
        deadlineMs: Math.max(1, Math.floor(request.deadlineMs)),
        idempotent: request.idempotent,
        connector: request.connector,
      });
      return box.seal(toBinary(HttpRequestSchema, message), requestContext(id));
    },
    openRequest(id, sealed) {
      const message = fromBinary(HttpRequestSchema, box.open(sealed, requestContext(id)));
      return {
        method: message.method,
        url: message.url,
        headers: message.headers.map((h) => [h.name, h.value] as const),
        body: message.body,
        deadlineMs: message.deadlineMs,
        idempotent: message.idempotent,
        connector: message.connector,
      };
    },
    sealAnswer(id, answer) {
      const message = create(ResponseHeadSchema, {
        requestId: id,
        status: answer.status,
        headers: answer.headers.map(([name, value]) => ({ name, value })),
        body: answer.body,
        end: true,
      });
      return box.seal(toBinary(ResponseHeadSchema, message), answerContext(id));
    },
    openAnswer(id, sealed) {
      const message = fromBinary(ResponseHeadSchema, box.open(sealed, answerContext(id)));
      return {
        status: message.status,
        headers: message.headers.map((h) => [h.name, h.value] as const),
        body: message.body,
      };
    },
  };
}
