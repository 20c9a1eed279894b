import { create } from "@bufbuild/protobuf";
import { ExecuteRequestSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import type { CredentialTest } from "../connections/index.ts";
import { type RunDeps, runCommand } from "./run-command.ts";

/**
 * The connections feature's credential test: the connector's `test` command through the same dispatch
 * as Execute (param checks, every execution model, the time budget, secrets scrubbed by value), so a
 * script, external or OpenAPI-derived connector is tested exactly as a built-in one. Not recorded as an
 * execution: the credentials are not stored yet, and a refused test is answered to the caller directly.
 */
export function createCredentialTest(deps: RunDeps): CredentialTest {
  // Never aborted by a caller: the test ends when it answers or its budget passes, as it always has.
  const signal = new AbortController().signal;
  return async ({ tenantId, connectionId, connector, credentials, timeoutMs }) => {
    const req = create(ExecuteRequestSchema, {
      target: { case: "connectionId", value: connectionId },
      command: "test",
      params: {},
      metadata: { timeoutMs, stepId: "credential-test", runId: connectionId },
    });
    const { outcome } = await runCommand(deps, { timeoutMs: () => undefined, signal }, connector, req, {
      tenantId,
      credentials,
    });
    return outcome.result;
  };
}
