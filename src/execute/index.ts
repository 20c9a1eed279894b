export { type CommandRun, type CommandRunner, createCommandRunner } from "./command-runner.ts";
export { createCredentialTest } from "./credential-test.ts";
export type { ExecuteDeps } from "./execute-deps.ts";
export { registerExecute } from "./execute-service.ts";
export {
  EXECUTION_STATUSES,
  ExecutionEntity,
  type ExecutionRow,
  type ExecutionStatus,
} from "./execution-entity.ts";
export { createExecutionRecorder, type ExecutionRecorder } from "./execution-recorder.ts";
export {
  createExternalClients,
  type ExternalClients,
  type ExternalClientsOptions,
  type LentClient,
} from "./external-clients.ts";
export { CODE_BY_FAILURE_CLASS, classifyFailure, type FailureClass } from "./failure-classes.ts";
export { redactDiagnostics } from "./redact-diagnostics.ts";
export { startRetentionSweep, sweepExecutions } from "./retention-sweep.ts";
export { safeMessage } from "./run-command.ts";
