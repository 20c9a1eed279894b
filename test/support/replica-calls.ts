import { type ChildProcess, spawn } from "node:child_process";
import { fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { expect } from "vitest";
import { StatusSchema } from "../../gen/google/rpc/status_pb.ts";
import { ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { root } from "../cli/run-patchbay.ts";
import { bearer, grpc, loadPatchbayProtos, unary } from "./grpc-js-client.ts";

/** ListAgents' answer as grpc-js decodes it. */
export interface ListedAgent {
  agentId: string;
  pool: string;
  replicaId: string;
  capacity: number;
  inFlight: number;
  lastHeartbeatAt?: { seconds: string };
}

/** Calls a multi-replica test makes to any replica by its URL; `close` ends every client and agent made. */
export interface ReplicaCalls {
  /** AgentService.ListAgents over gRPC; rejects with the grpc-js ServiceError. */
  listAgents(url: string, key: string, pool?: string): Promise<ListedAgent[]>;
  /** ExecuteService.Execute of the `request` command (a GET of `target`) on `slug`; rejects with the ServiceError. */
  executeRequest(
    url: string,
    key: string,
    slug: string,
    target: string,
    deadline?: Date,
  ): Promise<{ payload?: unknown }>;
  /** Creates a built-in HTTP connector served by agents of `pool`, over the REST bridge. */
  createHttpConnector(url: string, key: string, name: string, pool: string): Promise<void>;
  /** Runs `patchbay agent` for `pool` against `url`, allowed to reach 127.0.0.2 only. */
  spawnAgent(url: string, key: string, id: string, pool: string): ChildProcess;
  /** Closes the gRPC clients and kills the agents (SIGKILL). */
  close(): void;
}

/** A `ReplicaCalls` with no clients or agents yet. */
export function createReplicaCalls(): ReplicaCalls {
  const clients: grpc.Client[] = [];
  const children: ChildProcess[] = [];
  const patchbay = loadPatchbayProtos().patchbay as grpc.GrpcObject;
  const client = (service: unknown, url: string): grpc.Client => {
    const Client = service as grpc.ServiceClientConstructor;
    const made = new Client(url.replace(/^http:\/\//, ""), grpc.credentials.createInsecure());
    clients.push(made);
    return made;
  };
  const v1 = patchbay.v1 as grpc.GrpcObject;
  const agentV1 = (patchbay.agent as grpc.GrpcObject).v1 as grpc.GrpcObject;
  return {
    listAgents: async (url, key, pool = "") =>
      (
        await unary<{ agents?: ListedAgent[] }>(
          client(agentV1.AgentService, url),
          "listAgents",
          { pool },
          bearer(key),
        )
      ).response.agents ?? [],
    executeRequest: async (url, key, slug, target, deadline) =>
      (
        await unary<{ payload?: unknown }>(
          client(v1.ExecuteService, url),
          "execute",
          {
            connectorSlug: slug,
            command: "request",
            params: { fields: { url: { stringValue: target }, method: { stringValue: "GET" } } },
          },
          bearer(key),
          deadline === undefined ? {} : { deadline },
        )
      ).response,
    createHttpConnector: async (url, key, name, pool) => {
      const res = await fetch(`${url}/api/v1/connectors`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ name, type: "http", executionModel: "built_in", agentPool: pool }),
      });
      expect(res.status).toBeLessThan(300);
      await res.arrayBuffer();
    },
    spawnAgent: (url, key, id, pool) => {
      const child = spawn(
        process.execPath,
        ["bin/patchbay.js", "agent", "--url", url, "--pool", pool, "--allow", "127.0.0.2/32", "--id", id],
        { cwd: root, env: { PATH: process.env.PATH ?? "", PATCHBAY_AGENT_KEY: key }, stdio: "ignore" },
      );
      children.push(child);
      return child;
    },
    close: () => {
      for (const child of children) child.kill("SIGKILL");
      for (const c of clients) c.close();
    },
  };
}

/** The error code an Execute failure carries in its details (grpc-status-details-bin). */
export function failureCode(error: grpc.ServiceError): string | undefined {
  const [bin] = error.metadata.get("grpc-status-details-bin");
  if (!(bin instanceof Buffer)) return undefined;
  for (const detail of fromBinary(StatusSchema, bin).details) {
    const failure = anyUnpack(detail, ExecutionFailureSchema);
    if (failure !== undefined) return failure.errorCode;
  }
  return undefined;
}
