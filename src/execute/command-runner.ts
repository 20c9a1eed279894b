import { create, type JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import type { Context } from "@opentelemetry/api";
import { ExecuteRequestSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import type { Principal } from "../auth/index.ts";
import { traceContextKey } from "../tracing/index.ts";
import type { ExecuteDeps } from "./execute-deps.ts";
import type { PendingRecord } from "./execution-recorder.ts";
import { recordOf } from "./record-of.ts";
import { type RunOutcome, runCommand } from "./run-command.ts";

/** One command to run on a connection, from inside Patchbay (a webhook job), not from an RPC. */
export interface CommandRun {
  /** The principal's connection to run on; "" with `connectorSlug` for a connector without auth. */
  readonly connectionId: string;
  /** A connector without auth to run without a connection (Execute's `connector_slug` target). */
  readonly connectorSlug?: string;
  readonly command: string;
  readonly params: JsonObject;
  readonly timeoutMs: number;
  /** Aborts the run (the job's lease ended, the MCP request was cancelled or the server stops). */
  readonly signal: AbortSignal;
  /** How the run was asked for, kept on its record: `webhook` for a job's command, `mcp` for a tool call. */
  readonly protocol: string;
  /** The trace context the command's span continues (a traced webhook delivery's). */
  readonly trace?: Context | undefined;
}

/** Runs a command as `principal` would through Execute: same dispatch, failure classes and record. */
export type CommandRunner = (principal: Principal, run: CommandRun) => Promise<RunOutcome>;

/**
 * Execute for background work: the connection must be the principal's and active, the connector
 * available; the run is recorded like any execution (with the principal's key id, e.g. the webhook
 * endpoint that triggered it). A connection or connector that cannot run throws a ConnectError.
 */
export function createCommandRunner(deps: ExecuteDeps): CommandRunner {
  const resolve = async (principal: Principal, run: CommandRun) => {
    if (run.connectorSlug !== undefined && run.connectionId === "") {
      const connector = await deps.lookup(principal.tenantId, run.connectorSlug);
      if (connector === undefined) throw new ConnectError("connector not found", Code.NotFound);
      if (connector.authType !== "none") {
        throw new ConnectError("this connector needs a connection", Code.InvalidArgument);
      }
      return { connector, connectionId: null, credentials: {} };
    }
    const connection = await deps.useConnection(principal, run.connectionId, run.trace);
    const connector = await deps.lookup(principal.tenantId, connection.connectorSlug);
    if (connector === undefined) {
      throw new ConnectError("the connector of this connection was deleted", Code.FailedPrecondition);
    }
    return { connector, connectionId: connection.id, credentials: connection.credentials };
  };
  const runCommandAs = async (principal: Principal, run: CommandRun, pending: PendingRecord) => {
    const { connector, connectionId, credentials } = await resolve(principal, run);
    if (connector.availability !== "available") {
      throw new ConnectError(
        `connector is not available (${connector.availability})`,
        Code.FailedPrecondition,
      );
    }
    const req = create(ExecuteRequestSchema, {
      target:
        connectionId === null
          ? { case: "connectorSlug", value: connector.slug }
          : { case: "connectionId", value: connectionId },
      command: run.command,
      params: run.params,
      metadata: { timeoutMs: run.timeoutMs },
    });
    const { outcome, scrubber } = await runCommand(
      deps,
      {
        timeoutMs: () => undefined,
        signal: run.signal,
        ...(run.trace === undefined ? {} : { values: createContextValues().set(traceContextKey, run.trace) }),
      },
      connector,
      req,
      { tenantId: principal.tenantId, credentials, controller: pending.controller },
    );
    pending.record(recordOf(deps, principal, connector, req, connectionId, outcome, scrubber, run.protocol));
    return outcome;
  };
  // As Execute: a stop waits for the run's record, cancelling its command if need be.
  return (principal, run) => deps.recorder.track((pending) => runCommandAs(principal, run, pending));
}
