/** A JSON object slot of a result. */
export type JsonObject = Record<string, unknown>;

/**
 * The normalized result of a command (seed 004 "Handler return values"): `payload` is the domain result,
 * `variables` are merged into the run's variable bag, `diagnostics` explain a failure and exist only on
 * failures. A failing call may still write variables.
 */
export interface ConnectorResult {
  success: boolean;
  payload?: JsonObject;
  variables?: JsonObject;
  diagnostics?: JsonObject;
  error?: string;
  /**
   * Stable internal code for failures the framework itself detects (beyond the seed's shape), so that
   * callers can classify them: MISSING_REQUIRED_FIELDS, INVALID_PARAMS, UNKNOWN_COMMAND, NO_COMMAND,
   * LEGACY_RESULT_KEYS, NO_MOCK_SCENARIO, HANDLER_THREW, and the outbound client's EGRESS_REFUSED,
   * BAD_URL, TOO_MANY_REDIRECTS, TOO_LARGE, UPSTREAM_TIMEOUT, NETWORK; OpenAPI-derived connectors add
   * NOT_CONFIGURED, MISSING_CREDENTIALS, UPSTREAM_AUTH_FAILED and UPSTREAM_HTTP_<status>.
   */
  errorCode?: string;
}

/** A success built with {@link succeed}. */
export interface SucceedOutcome {
  readonly success: true;
  readonly payload?: JsonObject;
  readonly variables?: JsonObject;
}

/** A failure built with {@link fail}. */
export interface FailOutcome {
  readonly success: false;
  readonly error: string;
  readonly diagnostics?: JsonObject;
  readonly variables?: JsonObject;
}

/**
 * A plain success object, `{ payload, variables }` without a `success` flag: the same as
 * `succeed({ payload, variables })`. `success` is left out (an object with it is a {@link ConnectorResult}).
 */
export interface PlainOutcome {
  readonly success?: undefined;
  readonly payload?: JsonObject;
  readonly variables?: JsonObject;
}

/** What a handler may return (`void` is accepted at run time too: a side-effect-only success). */
export type CommandOutcome = SucceedOutcome | FailOutcome | ConnectorResult | PlainOutcome;

/** A success; omit slots you do not fill. */
export function succeed(slots: { payload?: JsonObject; variables?: JsonObject } = {}): SucceedOutcome {
  return { success: true, ...slots };
}

/** A recoverable failure with a human-readable (operator-safe) message; it may write variables. */
export function fail(slots: {
  error: string;
  diagnostics?: JsonObject;
  variables?: JsonObject;
}): FailOutcome {
  return { success: false, ...slots };
}

/** Seed 004 protocol 2.0: the 1.x keys are refused with this explanation. */
export const LEGACY_KEYS_MESSAGE =
  "result uses protocol 1.x keys (data/outputVariables); protocol 2.0 requires payload (success), diagnostics (failure) and variables: upgrade the connector";

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function slot(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

/**
 * Normalizes whatever a handler returned into a {@link ConnectorResult}, per seed 004's table:
 * nothing or a non-object → `{success: true}`; `succeed(…)`/a plain `{payload, variables}` → success with
 * those slots (diagnostics dropped); `fail(…)` or `{success: false, …}` → failure with error, diagnostics
 * and variables; an explicit `ConnectorResult` is kept as given (diagnostics still only on failure);
 * `data` / `outputVariables` anywhere at the top → refused with an upgrade message.
 */
export function outcomeToResult(outcome: unknown): ConnectorResult {
  if (!isObject(outcome)) return { success: true };
  if ("data" in outcome || "outputVariables" in outcome) {
    return { success: false, error: LEGACY_KEYS_MESSAGE, errorCode: "LEGACY_RESULT_KEYS" };
  }
  const payload = slot(outcome.payload);
  const variables = slot(outcome.variables);
  const failed =
    outcome.success === false || (outcome.success === undefined && typeof outcome.error === "string");
  if (!failed) {
    return { success: true, ...(payload ? { payload } : {}), ...(variables ? { variables } : {}) };
  }
  const diagnostics = slot(outcome.diagnostics);
  return {
    success: false,
    ...(typeof outcome.error === "string" ? { error: outcome.error } : {}),
    ...(diagnostics ? { diagnostics } : {}),
    ...(variables ? { variables } : {}),
    ...(typeof outcome.errorCode === "string" ? { errorCode: outcome.errorCode } : {}),
  };
}
