import { create, type DescMessage, isMessage, type MessageShape } from "@bufbuild/protobuf";
import {
  createContextKey,
  type HandlerContext,
  type Interceptor,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import {
  createMethodSerializationLookup,
  type MethodSerializationLookup,
  type UniversalHandlerOptions,
  validateUniversalHandlerOptions,
} from "@connectrpc/connect/protocol";
import { jsonAnswerSerializer } from "./json-answer-serializer.ts";
import type { UnaryMethod } from "./recording-router.ts";

/** One call's state, for the innermost function of the interceptor chain. */
export interface FastCall {
  readonly context: Omit<HandlerContext, "signal" | "requestHeader" | "values">;
}

/** Where a call's {@link FastCall} travels: in its context values. */
export const fastCallKey = createContextKey<FastCall | undefined>(undefined, {
  description: "unary fast call",
});

/** A unary method as the fast path runs it. */
export interface FastMethod {
  readonly method: UnaryMethod["spec"]["method"];
  readonly options: ReturnType<typeof validateUniversalHandlerOptions>;
  readonly serialization: MethodSerializationLookup<DescMessage, DescMessage>;
  /** Serializes a binary or JSON answer (JSON as Connect's serialization does, into pooled memory). */
  readonly serializeOutput: (binary: boolean, message: MessageShape<DescMessage>) => Uint8Array;
  /** The interceptors around the implementation, composed once. */
  readonly next: (req: UnaryRequest) => Promise<UnaryResponse>;
}

function normalized<T extends DescMessage>(schema: T, value: unknown): MessageShape<T> {
  return isMessage(value, schema) ? value : create(schema, value as never);
}

/**
 * A registered unary method with the router's options (its own over them): the interceptor chain around
 * its implementation composed once, and its serialization.
 */
export function fastMethodOf(
  { spec, options: own }: UnaryMethod,
  router: Partial<UniversalHandlerOptions>,
): FastMethod {
  const opt = validateUniversalHandlerOptions({ ...router, ...own });
  const { method } = spec;
  const service = method.parent;
  const invoke = async (req: UnaryRequest): Promise<UnaryResponse> => {
    const call = req.contextValues.get(fastCallKey) as FastCall;
    const context: HandlerContext = {
      ...call.context,
      service: req.service,
      signal: req.signal,
      requestHeader: req.header,
      values: req.contextValues,
    };
    const output = await spec.impl(req.message, context);
    return {
      stream: false,
      service,
      method,
      message: normalized(method.output, output),
      header: call.context.responseHeader,
      trailer: call.context.responseTrailer,
    };
  };
  const next = opt.interceptors.reduceRight<(req: UnaryRequest) => Promise<UnaryResponse>>(
    (inner, interceptor: Interceptor) => interceptor(inner as never) as never,
    invoke,
  );
  const serialization: MethodSerializationLookup<DescMessage, DescMessage> = createMethodSerializationLookup(
    method,
    opt.binaryOptions,
    opt.jsonOptions,
    opt,
  );
  const json = jsonAnswerSerializer(method.output, opt.jsonOptions, opt.writeMaxBytes);
  return {
    method,
    options: opt,
    serialization,
    serializeOutput: (binary, message) =>
      binary || json === undefined
        ? serialization.getO(binary).serialize(message)
        : json(message as MessageShape<typeof method.output>),
    next,
  };
}
