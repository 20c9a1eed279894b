/**
 * How a connector's commands run: the values of `execution_model` in the catalog API, declared once
 * here. `built_in`: a registered definition in this process; `script`: the sandbox; `openapi`: a stored
 * plan derived from an OpenAPI description; `external`: a separate service (connectors/external).
 */
export const EXECUTION_MODELS = ["built_in", "script", "openapi", "external"] as const;

/** One of {@link EXECUTION_MODELS}. */
export type ExecutionModel = (typeof EXECUTION_MODELS)[number];

/** True when `value` names an execution model. */
export function isExecutionModel(value: string): value is ExecutionModel {
  return (EXECUTION_MODELS as readonly string[]).includes(value);
}
