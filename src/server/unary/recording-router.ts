import type { DescMethod, DescService } from "@bufbuild/protobuf";
import {
  type ConnectRouter,
  createMethodImplSpec,
  createServiceImplSpec,
  type MethodImpl,
  type MethodImplSpec,
  type ServiceImpl,
} from "@connectrpc/connect";
import type { UniversalHandlerOptions } from "@connectrpc/connect/protocol";

/** A unary method as registered: its implementation and the options it was registered with. */
export interface UnaryMethod {
  readonly spec: Extract<MethodImplSpec, { kind: "unary" }>;
  readonly options: Partial<UniversalHandlerOptions>;
}

/**
 * A router that registers on `router` and also keeps every unary method it is given, so that the unary
 * fast path runs the very implementations (bound as Connect binds them) with the very options the
 * router's handlers use.
 */
export function recordUnaryMethods(router: ConnectRouter): {
  readonly router: ConnectRouter;
  readonly methods: readonly UnaryMethod[];
} {
  const methods: UnaryMethod[] = [];
  const keep = (spec: MethodImplSpec, options: Partial<UniversalHandlerOptions> | undefined) => {
    if (spec.kind === "unary") methods.push({ spec, options: options ?? {} });
  };
  const recording: ConnectRouter = {
    get handlers() {
      return router.handlers;
    },
    service<T extends DescService>(
      service: T,
      implementation: Partial<ServiceImpl<T>>,
      options?: Partial<UniversalHandlerOptions>,
    ) {
      router.service(service, implementation, options);
      for (const spec of Object.values(createServiceImplSpec(service, implementation).methods))
        keep(spec, options);
      return this;
    },
    rpc<M extends DescMethod>(method: M, impl: MethodImpl<M>, options?: Partial<UniversalHandlerOptions>) {
      router.rpc(method, impl, options);
      keep(createMethodImplSpec(method, impl), options);
      return this;
    },
  };
  return { router: recording, methods };
}
