import { fileURLToPath } from "node:url";
import * as protoLoader from "@grpc/proto-loader";
import { bearer, grpc, unary } from "../support/grpc-js-client.ts";

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** A Timestamp as @grpc/proto-loader answers it (int64 as a string). */
export interface WireTimestamp {
  seconds: string;
  nanos?: number;
}

/** An ApiKey message as @grpc/grpc-js answers it (unset fields are absent). */
export interface WireKey {
  id: string;
  tenantId: string;
  subject: string;
  name: string;
  prefix: string;
  scopes?: string[];
  tier: string;
  state: string;
  createTime: WireTimestamp;
  lastUsedTime?: WireTimestamp;
  expireTime?: WireTimestamp;
  revokeTime?: WireTimestamp;
  replacedBy?: string;
  agentPool?: string;
}

/** What a call answered: the response, or the gRPC status code and message it was refused with. */
export type Outcome<T> = { ok: true; response: T } | { ok: false; code: grpc.status; message: string };

/** Milliseconds since the epoch of a wire Timestamp. */
export function millis(t: WireTimestamp | undefined): number {
  if (t === undefined) throw new Error("timestamp is unset");
  return Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

type Ctor = new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client;

/**
 * ApiKeyService as a native gRPC client (@grpc/grpc-js, loaded from proto/, not from generated code),
 * and the same service over REST (fetch), against a server on loopback.
 */
export function apiKeyWire(server: () => { url: string; port: number }) {
  let client: grpc.Client | undefined;
  const grpcClient = () => {
    if (client === undefined) {
      const definition = protoLoader.loadSync(["patchbay/v1/api_keys.proto"], {
        includeDirs: [root("proto"), root("node_modules/google-proto-files")],
        keepCase: false,
        longs: String,
        enums: String,
        defaults: false,
        oneofs: true,
      });
      const v1 = (grpc.loadPackageDefinition(definition).patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject;
      const Service = v1.ApiKeyService as unknown as Ctor;
      client = new Service(`127.0.0.1:${server().port}`, grpc.credentials.createInsecure());
    }
    return client;
  };

  return {
    /** Calls an ApiKeyService method (`createApiKey`, ...) with `key` as the bearer token. */
    async call<T>(method: string, request: object, key: string): Promise<Outcome<T>> {
      try {
        return { ok: true, response: (await unary<T>(grpcClient(), method, request, bearer(key))).response };
      } catch (error) {
        const e = error as grpc.ServiceError;
        if (typeof e.code !== "number") throw error;
        // Connect writes grpc-message with encodeURIComponent; grpc-js reads it with decodeURI, which
        // leaves reserved characters (":" "," "/") escaped. The text sent is what is compared here.
        return { ok: false, code: e.code, message: decodeURIComponent(e.details) };
      }
    },

    /** A REST call with `key` as the bearer token; the JSON body answered, and the status. */
    async rest(
      method: string,
      path: string,
      key: string,
      body?: unknown,
    ): Promise<{ status: number; json: Record<string, unknown> }> {
      const response = await fetch(`${server().url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return {
        status: response.status,
        json: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>),
      };
    },

    /**
     * The status a plain authenticated read outside ApiKeyService (a catalog page, scope catalog:read,
     * which admin holds) answers with this key: 200 while the key works, 401 once it does not. Outside
     * ApiKeyService, because that refuses keys a rotation replaced even while they still work.
     */
    async keyStatus(key: string): Promise<number> {
      const response = await fetch(`${server().url}/api/v1/connectors?pageSize=1`, {
        headers: { authorization: `Bearer ${key}` },
      });
      await response.arrayBuffer();
      return response.status;
    },

    close(): void {
      client?.close();
    },
  };
}
