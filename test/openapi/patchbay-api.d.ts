// Generated from gen/openapi.json by openapi-typescript (test/openapi/generate-client-types.ts); do not edit.
// Regenerate: npx vitest run test/openapi/openapi-client.test.ts -u
export interface paths {
  "/api/v1/agents": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The tenant's connected agents on every replica of the deployment, by pool: which replica holds each stream, the agent's version, its last heartbeat and its requests in flight
     * @description The tenant's connected agents on every replica of the deployment, by pool: which replica holds each stream, the agent's version, its last heartbeat and its requests in flight. Errors: invalid_argument for a malformed pool.
     *
     *     Requires an API key with scope `admin`.
     */
    get: operations["AgentService_ListAgents"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/api-keys": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Lists the tenant's keys, newest first, revoked and expired ones included
     * @description Lists the tenant's keys, newest first, revoked and expired ones included. Never a key or its hash.
     *
     *     Requires an API key with scope `admin`.
     */
    get: operations["ApiKeyService_ListApiKeys"];
    put?: never;
    /**
     * Issues a key for a subject of the caller's tenant
     * @description Issues a key for a subject of the caller's tenant. The plaintext key is in this response only. Errors: invalid_argument naming the field (empty or over-long subject, over-long name, no scope, an unknown scope, an unknown tier, an expire_time not in the future); permission_denied for a scope or tier the calling key may not grant.
     *
     *     Requires an API key with scope `admin`.
     */
    post: operations["ApiKeyService_CreateApiKey"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/api-keys/{id}:revoke": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Revokes a key: from the moment this call returns, every replica refuses it (unauthenticated)
     * @description Revokes a key: from the moment this call returns, every replica refuses it (unauthenticated). Revoking a revoked key changes nothing and answers it again. Errors: invalid_argument for an id that is neither a UUID nor a key prefix, not_found, failed_precondition when a prefix matches more than one key.
     *
     *     Requires an API key with scope `admin`.
     */
    post: operations["ApiKeyService_RevokeApiKey"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/api-keys/{id}:rotate": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Issues a new key with the same subject, scopes, tier, name and expiry, and lets the old key work for an overlap window only (its expiry moves to the end of the window, never later than it was)
     * @description Issues a new key with the same subject, scopes, tier, name and expiry, and lets the old key work for an overlap window only (its expiry moves to the end of the window, never later than it was). The new plaintext key is in this response only. Errors: invalid_argument (id, overlap_seconds beyond its maximum), not_found, failed_precondition for a revoked or expired key or one that was rotated already (rotate its replacement), permission_denied for scopes or a tier the calling key may not grant.
     *
     *     Requires an API key with scope `admin`.
     */
    post: operations["ApiKeyService_RotateApiKey"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connectors": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Lists the catalog, ordered by slug, with availability flags and credential fields for forms
     * @description Lists the catalog, ordered by slug, with availability flags and credential fields for forms.
     *
     *     Requires an API key with scope `catalog:read` (or `admin`, which implies every scope).
     */
    get: operations["CatalogService_ListConnectors"];
    put?: never;
    /**
     * Creates a connector owned by the caller's tenant
     * @description Creates a connector owned by the caller's tenant. Errors: already_exists when the slug is taken in the caller's view of the catalog (its own connectors, shared and published ones), invalid_argument for a bad slug, unknown built-in type or missing model fields, permission_denied for `published` without an admin key of the operator's tenant.
     *
     *     Requires an API key with scope `catalog:write` (or `admin`, which implies every scope).
     */
    post: operations["CatalogService_CreateConnector"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connectors/{slug}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Returns one connector
     * @description Returns one connector. Errors: not_found for an unknown slug.
     *
     *     Requires an API key with scope `catalog:read` (or `admin`, which implies every scope).
     */
    get: operations["CatalogService_GetConnector"];
    /**
     * Updates a connector, merging the fields that are set
     * @description Updates a connector, merging the fields that are set. A schema change must bump the version at least to the floor computed from the diff, else failed_precondition; `auto_bump` computes it instead. Errors: not_found for a connector the caller cannot see; failed_precondition for a built-in type; permission_denied for another tenant's published connector, for a published connector (or `published`) without an admin key, and for a change of what runs while other users' live connections use the connector, without an admin key.
     *
     *     Requires an API key with scope `catalog:write` (or `admin`, which implies every scope).
     */
    put: operations["CatalogService_UpdateConnector"];
    post?: never;
    /**
     * Deletes a user-created connector
     * @description Deletes a user-created connector. Errors: not_found; failed_precondition for a registered built-in type or while live connections still use it (delete those first); permission_denied for a published connector without an admin key.
     *
     *     Requires an API key with scope `catalog:write` (or `admin`, which implies every scope).
     */
    delete: operations["CatalogService_DeleteConnector"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connectors/{slug}/capabilities": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Returns a connector's commands with typed params, outputs and deprecation metadata, plus its connection-config fields
     * @description Returns a connector's commands with typed params, outputs and deprecation metadata, plus its connection-config fields. Errors: not_found.
     *
     *     Requires an API key with scope `catalog:read` (or `admin`, which implies every scope).
     */
    get: operations["CatalogService_GetCapabilities"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connectors/{slug}/versions": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Lists a connector's stored versions, newest first, each with the schema it declared: what a diff between two versions compares (the console computes it by the versioning rules)
     * @description Lists a connector's stored versions, newest first, each with the schema it declared: what a diff between two versions compares (the console computes it by the versioning rules). A script connector's versions carry their source for the connector's own tenant and for the ones that ship with Patchbay. Errors: not_found.
     *
     *     Requires an API key with scope `catalog:read` (or `admin`, which implies every scope).
     */
    get: operations["CatalogService_ListConnectorVersions"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connectors/parse-oas": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Turns an OpenAPI 3.x document into a draft connector without storing anything
     * @description Turns an OpenAPI 3.x document into a draft connector without storing anything. Its request (and a CreateConnector or UpdateConnector request) may be as large as PATCHBAY_MAX_OPENAPI_BYTES. Errors: invalid_argument when the document does not parse or is not OpenAPI 3.x; resource_exhausted past the size limit.
     *
     *     Requires an API key with scope `catalog:write` (or `admin`, which implies every scope).
     */
    post: operations["CatalogService_ParseOpenApi"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connections": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Lists the caller's non-deleted connections, newest first
     * @description Lists the caller's non-deleted connections, newest first. Secrets are never included.
     *
     *     Requires an API key with scope `connections` (or `admin`, which implies every scope).
     */
    get: operations["ConnectionService_ListConnections"];
    put?: never;
    /**
     * Starts a connection: returns the existing active one (created = false, REST 200) or a new pending one (REST 201)
     * @description Starts a connection: returns the existing active one (created = false, REST 200) or a new pending one (REST 201). Errors: invalid_argument for a missing or unknown slug; failed_precondition for an "oauth" connector whose OAuth client is not configured, or an auth type "none" connector.
     *
     *     Requires an API key with scope `connections` (or `admin`, which implies every scope).
     */
    post: operations["ConnectionService_StartConnection"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connections/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Returns one connection
     * @description Returns one connection. Errors: invalid_argument for a malformed UUID, not_found.
     *
     *     Requires an API key with scope `connections` (or `admin`, which implies every scope).
     */
    get: operations["ConnectionService_GetConnection"];
    put?: never;
    post?: never;
    /**
     * Revokes the connection (tokens revoked at the provider where supported, secrets destroyed), sets status "revoked" and delete_time
     * @description Revokes the connection (tokens revoked at the provider where supported, secrets destroyed), sets status "revoked" and delete_time. Idempotent. Errors: invalid_argument, not_found.
     *
     *     Requires an API key with scope `connections` (or `admin`, which implies every scope).
     */
    delete: operations["ConnectionService_DeleteConnection"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connections/{id}/credentials": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Stores API-key credentials, validated against the connector's credential fields, and activates the connection
     * @description Stores API-key credentials, validated against the connector's credential fields, and activates the connection. Errors: invalid_argument (names the bad keys, never values); failed_precondition if not "api_key".
     *
     *     Requires an API key with scope `connections` (or `admin`, which implies every scope).
     */
    post: operations["ConnectionService_SubmitCredentials"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connections/{id}/oauth": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Returns the OAuth state of a connection, with the URL to open while it is still pending
     * @description Returns the OAuth state of a connection, with the URL to open while it is still pending. Dashboards poll this until status leaves "pending". Errors: not_found.
     *
     *     Requires an API key with scope `connections` (or `admin`, which implies every scope).
     */
    get: operations["ConnectionService_GetOAuthStatus"];
    put?: never;
    /**
     * Starts a fresh OAuth handshake for an existing connection (re-consent, expired refresh token); the previous state is invalidated
     * @description Starts a fresh OAuth handshake for an existing connection (re-consent, expired refresh token); the previous state is invalidated. Errors: not_found; failed_precondition if not "oauth".
     *
     *     Requires an API key with scope `connections` (or `admin`, which implies every scope).
     */
    post: operations["ConnectionService_RestartOAuth"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connections/oauth/start": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Begins an OAuth flow by connector slug, creating a pending connection
     * @description Begins an OAuth flow by connector slug, creating a pending connection. The REST bridge answers with a 302 redirect to oauth_url, so a link opened in a new tab lands on the provider.
     *
     *     Requires an API key with scope `connections` (or `admin`, which implies every scope).
     */
    get: operations["ConnectionService_StartOAuth"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connections/oauth/link": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Opens a start link (oauth_link_url of StartConnection and RestartOAuth) from a browser tab, without an API key: the signed link authenticates it, once, within five minutes of being issued
     * @description Opens a start link (oauth_link_url of StartConnection and RestartOAuth) from a browser tab, without an API key: the signed link authenticates it, once, within five minutes of being issued. The REST bridge answers with a 302 redirect to a fresh provider authorization URL; a used, expired or altered link answers an HTML page that says so (reason codes link_used, link_expired, link_invalid).
     *
     *     Public: no API key needed.
     */
    get: operations["ConnectionService_OpenOAuthLink"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connections/oauth/callback": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The provider's redirect target: exchanges the code, activates the connection and answers an HTML page that notifies the opening tab (BroadcastChannel + localStorage) and closes itself
     * @description The provider's redirect target: exchanges the code, activates the connection and answers an HTML page that notifies the opening tab (BroadcastChannel + localStorage) and closes itself. Errors are shown on that page; an unknown or expired state yields a page too, never the provider's details.
     *
     *     Public: no API key needed.
     */
    get: operations["ConnectionService_CompleteOAuth"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connections/{id}/refresh": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Refreshes the OAuth access token now with the stored refresh token
     * @description Refreshes the OAuth access token now with the stored refresh token. Errors: not_found; failed_precondition if not "oauth" or no refresh token (status becomes "error"; use RestartOAuth).
     *
     *     Requires an API key with scope `connections` (or `admin`, which implies every scope).
     */
    post: operations["ConnectionService_RefreshConnection"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connections/{connection_id}/execute": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Runs one command and returns its payload and variables
     * @description Runs one command and returns its payload and variables. Errors: not_found (connection or command), failed_precondition (connection not active, connector_slug target on an authenticated connector), and the failure-class codes listed at ExecutionFailure.failure_class. A call of a deprecated command answers the response header (gRPC: metadata) x-patchbay-deprecated with its deprecation message.
     *
     *     Requires an API key with scope `execute` (or `admin`, which implies every scope).
     */
    post: operations["ExecuteService_Execute"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connectors/{connector_slug}/execute": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Runs one command and returns its payload and variables
     * @description Runs one command and returns its payload and variables. Errors: not_found (connection or command), failed_precondition (connection not active, connector_slug target on an authenticated connector), and the failure-class codes listed at ExecutionFailure.failure_class. A call of a deprecated command answers the response header (gRPC: metadata) x-patchbay-deprecated with its deprecation message.
     *
     *     Requires an API key with scope `execute` (or `admin`, which implies every scope).
     */
    post: operations["ExecuteService_Execute_1"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/executions": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Lists recorded executions, newest first: the operator's "what failed and why" view
     * @description Lists recorded executions, newest first: the operator's "what failed and why" view.
     *
     *     Requires an API key with scope `execute` (or `admin`, which implies every scope).
     */
    get: operations["ExecuteService_ListExecutions"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/executions/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Returns one execution record
     * @description Returns one execution record. Errors: not_found.
     *
     *     Requires an API key with scope `execute` (or `admin`, which implies every scope).
     */
    get: operations["ExecuteService_GetExecution"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/webhook-endpoints": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Lists endpoints, newest first, with status and delivery counts
     * @description Lists endpoints, newest first, with status and delivery counts.
     *
     *     Requires an API key with scope `webhooks:admin` (or `admin`, which implies every scope).
     */
    get: operations["WebhookService_ListEndpoints"];
    put?: never;
    /**
     * Provisions an endpoint and returns its public URL to register with the provider
     * @description Provisions an endpoint and returns its public URL to register with the provider. Errors: invalid_argument (unknown provider, missing secret), not_found (connector or connection), failed_precondition when no public base URL is configured (a localhost URL would never be reached).
     *
     *     Requires an API key with scope `webhooks:admin` (or `admin`, which implies every scope).
     */
    post: operations["WebhookService_CreateEndpoint"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/webhook-endpoints/{endpoint_id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Returns one endpoint
     * @description Returns one endpoint. Errors: not_found.
     *
     *     Requires an API key with scope `webhooks:admin` (or `admin`, which implies every scope).
     */
    get: operations["WebhookService_GetEndpoint"];
    put?: never;
    post?: never;
    /**
     * Deletes an endpoint and its secrets; later deliveries to its URL get not_found
     * @description Deletes an endpoint and its secrets; later deliveries to its URL get not_found. Stored events and jobs are kept until retention removes them. Errors: not_found.
     *
     *     Requires an API key with scope `webhooks:admin` (or `admin`, which implies every scope).
     */
    delete: operations["WebhookService_DeleteEndpoint"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/webhook-endpoints/{endpoint_id}/rotate-secret": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Replaces the provider secret; the previous one keeps verifying for the grace period so the provider can be switched over without dropping deliveries
     * @description Replaces the provider secret; the previous one keeps verifying for the grace period so the provider can be switched over without dropping deliveries. Errors: not_found, invalid_argument.
     *
     *     Requires an API key with scope `webhooks:admin` (or `admin`, which implies every scope).
     */
    post: operations["WebhookService_RotateEndpointSecret"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/connectors/webhooks/{provider}/{endpoint_id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Public GET handshake (WhatsApp/Meta `hub.*` subscription check): answers hub.challenge as text/plain when hub.mode is "subscribe" and hub.verify_token matches
     * @description Public GET handshake (WhatsApp/Meta `hub.*` subscription check): answers hub.challenge as text/plain when hub.mode is "subscribe" and hub.verify_token matches. Errors: permission_denied (403, as Meta expects) on mismatch, not_found.
     *
     *     Public: no API key needed.
     */
    get: operations["WebhookService_VerifyEndpoint"];
    put?: never;
    /**
     * Public provider receiver: verifies the raw body with the request headers, deduplicates on the provider event id, stores the event and enqueues its job before answering 2xx
     * @description Public provider receiver: verifies the raw body with the request headers, deduplicates on the provider event id, stores the event and enqueues its job before answering 2xx. Errors: not_found (unknown endpoint or provider mismatch), unauthenticated (bad or stale signature; 401 as Discord requires).
     *
     *     Public: no API key needed.
     */
    post: operations["WebhookService_ReceiveEvent"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/webhook-endpoints/{endpoint_id}/events": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Lists an endpoint's stored events, newest first
     * @description Lists an endpoint's stored events, newest first. Payloads only for callers also holding "webhooks:payload", since they may contain personal data. Errors: not_found.
     *
     *     Requires an API key with scope `webhooks:admin` (or `admin`, which implies every scope).
     */
    get: operations["WebhookService_ListEvents"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/jobs": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Lists jobs, newest first, for the admin view of durable job state
     * @description Lists jobs, newest first, for the admin view of durable job state.
     *
     *     Requires an API key with scope `webhooks:admin` (or `admin`, which implies every scope).
     */
    get: operations["WebhookService_ListJobs"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/jobs/{job_id}/retry": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Re-queues a "dead" or "retrying" job to run now, with one more attempt allowed
     * @description Re-queues a "dead" or "retrying" job to run now, with one more attempt allowed. Errors: not_found; failed_precondition when the job is queued, running or succeeded.
     *
     *     Requires an API key with scope `webhooks:admin` (or `admin`, which implies every scope).
     */
    post: operations["WebhookService_RetryJob"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/jobs:claim": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Leases up to max_jobs queued jobs of "pull" targets (SKIP LOCKED, so concurrent consumers never get the same job)
     * @description Leases up to max_jobs queued jobs of "pull" targets (SKIP LOCKED, so concurrent consumers never get the same job). Returns an empty list at once when none is ready; it does not long-poll. An expired lease puts the job back and counts the attempt.
     *
     *     Requires an API key with scope `webhooks:admin` (or `admin`, which implies every scope).
     */
    post: operations["WebhookService_ClaimJobs"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/jobs/{job_id}:ack": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Marks a claimed job "succeeded"
     * @description Marks a claimed job "succeeded". Errors: not_found; aborted when the lease token is stale (the lease expired and the job may be running elsewhere).
     *
     *     Requires an API key with scope `webhooks:admin` (or `admin`, which implies every scope).
     */
    post: operations["WebhookService_AckJob"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/jobs/{job_id}:nack": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Reports a claimed job as failed: it becomes "retrying", or "dead" once attempts reach max_attempts
     * @description Reports a claimed job as failed: it becomes "retrying", or "dead" once attempts reach max_attempts. Errors: not_found; aborted when the lease token is stale.
     *
     *     Requires an API key with scope `webhooks:admin` (or `admin`, which implies every scope).
     */
    post: operations["WebhookService_NackJob"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    /** @description An RPC error in the Connect protocol's JSON form. `message` is short and operator-safe; `details` carry typed error details such as patchbay.v1.ExecutionFailure. */
    Error: {
      /**
       * @description The error code; it fixes the HTTP status (Connect's code-to-status table).
       * @enum {string}
       */
      code:
        | "canceled"
        | "unknown"
        | "invalid_argument"
        | "deadline_exceeded"
        | "not_found"
        | "already_exists"
        | "permission_denied"
        | "resource_exhausted"
        | "failed_precondition"
        | "aborted"
        | "out_of_range"
        | "unimplemented"
        | "internal"
        | "unavailable"
        | "data_loss"
        | "unauthenticated";
      /** @description Short operator-safe message, also sent as `x-patchbay-error`. */
      message?: string;
      details?: {
        /** @description Full name of the detail's message, e.g. patchbay.v1.ExecutionFailure. */
        type: string;
        /** @description The detail's binary encoding, base64 without padding. */
        value: string;
        /** @description The detail as JSON when the server could encode it; do not depend on it. */
        debug?: {
          [key: string]: unknown;
        };
      }[];
    };
    /** @description One connected agent stream. */
    "patchbay.agent.v1.Agent": {
      /** @description The stream's id (Welcome.stream_id). */
      streamId: string;
      /** @description The pool it serves. */
      pool: string;
      /** @description The agent's own id (Hello.agent_id). */
      agentId: string;
      /** @description Its name for people. */
      name: string;
      /** @description Its version. */
      version: string;
      /** @description The connectors it accepts; empty for every connector of the pool. */
      connectors: string[];
      /** @description Requests it makes at once. */
      capacity: number;
      /** @description Requests in flight through it (refreshed every few seconds for streams held by other replicas). */
      inFlight: number;
      /** @description True when it is draining: it takes no new requests. */
      draining: boolean;
      /** @description The replica holding the stream: its id, as in that replica's startup log line (which also names its host). Replicas' host names are the operator's, not shown to tenants. */
      replicaId: string;
      /**
       * Format: date-time
       * @description When the stream was welcomed.
       */
      connectedAt?: string;
      /**
       * Format: date-time
       * @description When the agent was last heard from.
       */
      lastHeartbeatAt?: string;
    };
    /** @description Response for AgentService.ListAgents. */
    "patchbay.agent.v1.ListAgentsResponse": {
      /** @description The connected agents, by pool, oldest stream first. */
      agents: components["schemas"]["patchbay.agent.v1.Agent"][];
    };
    /** @description Response for WebhookService.AckJob. */
    "patchbay.v1.AckJobResponse": {
      /** @description The job, now "succeeded". */
      job?: components["schemas"]["patchbay.v1.Job"];
    };
    /** @description An API key as its tenant's admins see it: never the key itself or its hash. */
    "patchbay.v1.ApiKey": {
      /** @description Key id, a UUID; what the request log records as the principal. */
      id: string;
      /** @description Tenant the key belongs to (always the caller's). */
      tenantId: string;
      /** @description The user or service the key acts for, e.g. "billing-service"; connections belong to a subject. */
      subject: string;
      /** @description Free-form label for people, e.g. "CI deploys"; "unnamed" when none was given. */
      name: string;
      /** @description The visible start of the key (`pb_` and 9 more characters), to tell keys apart; not enough to use it. */
      prefix: string;
      /** @description Granted scopes, e.g. ["catalog:read", "execute"]; "admin" implies every other scope. */
      scopes: string[];
      /** @description Rate-limit tier, a name from PATCHBAY_RATE_LIMITS (e.g. "standard", "bulk"). */
      tier: string;
      /** @description "active", "revoked" (revoked before it expired) or "expired". An active key with an expire_time stops working at that time. */
      state: string;
      /**
       * Format: date-time
       * @description When the key was issued.
       */
      createTime?: string;
      /**
       * Format: date-time
       * @description When the key was last used, to the minute; unset if never.
       */
      lastUsedTime?: string;
      /**
       * Format: date-time
       * @description When the key stops working; unset when it does not expire. A rotation sets it to the end of the overlap window.
       */
      expireTime?: string;
      /**
       * Format: date-time
       * @description When the key was revoked; unset while it is not, and for a key that expired first.
       */
      revokeTime?: string;
      /** @description Id of the key that replaced this one by RotateApiKey; empty when it was not rotated. */
      replacedBy: string;
      /** @description The on-premise agent pool a key with scope "agent" serves, e.g. "datacenter-1"; empty for every other key. */
      agentPool: string;
    };
    /** @description One command with its parameters in display order (a list, unlike CommandSpec's map). */
    "patchbay.v1.Capability": {
      /** @description Command name as passed to Execute. */
      name: string;
      /** @description One-line summary. */
      description: string;
      /** @description Parameters in the order of CommandSpec.params. */
      params: components["schemas"]["patchbay.v1.Param"][];
      /** @description Declared output keys of the payload. */
      outputs: string[];
      /** @description The command still runs but is scheduled for removal. */
      deprecated: boolean;
      /** @description Replacement hint for a deprecated command. */
      deprecatedMessage: string;
      /** @description Version that introduced the command; empty when unknown. */
      addedInVersion: string;
      /** @description The command only reads (CommandSpec.read_only); unset when the connector does not say. */
      readOnly?: boolean;
      /** @description The command may delete or overwrite data (CommandSpec.destructive); unset when the connector does not say. */
      destructive?: boolean;
      /** @description Repeating the command with the same params has no further effect (CommandSpec.idempotent); unset when the connector does not say. */
      idempotent?: boolean;
    };
    /** @description Request for WebhookService.ClaimJobs. */
    "patchbay.v1.ClaimJobsRequest": {
      /**
       * Format: uuid
       * @description Only claim jobs from this endpoint UUID; empty claims from every pull endpoint.
       */
      endpointId?: string;
      /** @description Most jobs to lease. Default 10, max 100; larger values are clamped. */
      maxJobs?: number;
      /** @description Lease length in seconds. Default 60, max 900; ack or nack before it ends. */
      leaseSeconds?: number;
    };
    /** @description Response for WebhookService.ClaimJobs. */
    "patchbay.v1.ClaimJobsResponse": {
      /** @description Leased jobs, oldest first; empty when none is ready. */
      jobs: components["schemas"]["patchbay.v1.ClaimedJob"][];
    };
    /** @description A job leased to one consumer, with its event. */
    "patchbay.v1.ClaimedJob": {
      /** @description The job, now "running". */
      job?: components["schemas"]["patchbay.v1.Job"];
      /** @description The event to process; its payload is included only if the caller holds "webhooks:payload". */
      event?: components["schemas"]["patchbay.v1.WebhookEvent"];
      /** @description Opaque token proving the lease; pass it to AckJob or NackJob. */
      leaseToken: string;
      /**
       * Format: date-time
       * @description When the lease ends and the job returns to the queue.
       */
      leaseExpireTime?: string;
    };
    /** @description One command of a connector: the `configSchema.commands.<name>` entry. */
    "patchbay.v1.CommandSpec": {
      /** @description Parameter names in display order. Names listed here without a `param_schema` entry are untyped optional strings. */
      params: string[];
      /** @description One-line summary of what the command does. */
      description: string;
      /** @description Declared output keys of the payload. Metadata only: the dispatcher never filters or copies by it, but removing an output is a major version change. */
      outputs: string[];
      /** @description Typed schema per parameter name (keys should also appear in `params`). */
      paramSchema: {
        [key: string]: components["schemas"]["patchbay.v1.FieldSpec"];
      };
      /** @description The command still runs but logs a structured warning on each call; use `deprecated_message` to point at its replacement. */
      deprecated: boolean;
      /** @description Operator-facing hint shown for a deprecated command, e.g. "Use listUsersV2 instead". */
      deprecatedMessage: string;
      /** @description Connector version (semver) that introduced the command, e.g. "2.0.0"; empty when unknown. */
      addedInVersion: string;
      /**
       * @description What running the command does, as its author declares it; AI agents read these (MCP tool annotations readOnlyHint, destructiveHint, idempotentHint) to decide what to run without asking. Each is a hint, not enforced, and may be left out: unset means unknown, and clients assume the cautious answer (may write, may destroy, not idempotent). Changing one is a patch version change.
       *
       *     True when the command only reads: it changes nothing in the system it talks to. A read-only command cannot also be destructive or non-idempotent: `destructive: true` or `idempotent: false` next to `read_only: true` is refused with invalid_argument.
       */
      readOnly?: boolean;
      /** @description True when the command may delete or overwrite data (delete a record, replace a file); false when it only adds or changes data in ways that keep what was there. Meaningful only for a command that is not read-only. */
      destructive?: boolean;
      /** @description True when calling it again with the same params has no further effect (set a value, delete by id). Meaningful only for a command that is not read-only. */
      idempotent?: boolean;
    };
    /** @description One command of a connector: the `configSchema.commands.<name>` entry. */
    "patchbay.v1.CommandSpecInput": {
      /** @description Parameter names in display order. Names listed here without a `param_schema` entry are untyped optional strings. */
      params?: string[];
      /** @description One-line summary of what the command does. */
      description?: string;
      /** @description Declared output keys of the payload. Metadata only: the dispatcher never filters or copies by it, but removing an output is a major version change. */
      outputs?: string[];
      /** @description Typed schema per parameter name (keys should also appear in `params`). */
      paramSchema?: {
        [key: string]: components["schemas"]["patchbay.v1.FieldSpecInput"];
      };
      /** @description The command still runs but logs a structured warning on each call; use `deprecated_message` to point at its replacement. */
      deprecated?: boolean;
      /** @description Operator-facing hint shown for a deprecated command, e.g. "Use listUsersV2 instead". */
      deprecatedMessage?: string;
      /** @description Connector version (semver) that introduced the command, e.g. "2.0.0"; empty when unknown. */
      addedInVersion?: string;
      /**
       * @description What running the command does, as its author declares it; AI agents read these (MCP tool annotations readOnlyHint, destructiveHint, idempotentHint) to decide what to run without asking. Each is a hint, not enforced, and may be left out: unset means unknown, and clients assume the cautious answer (may write, may destroy, not idempotent). Changing one is a patch version change.
       *
       *     True when the command only reads: it changes nothing in the system it talks to. A read-only command cannot also be destructive or non-idempotent: `destructive: true` or `idempotent: false` next to `read_only: true` is refused with invalid_argument.
       */
      readOnly?: boolean;
      /** @description True when the command may delete or overwrite data (delete a record, replace a file); false when it only adds or changes data in ways that keep what was there. Meaningful only for a command that is not read-only. */
      destructive?: boolean;
      /** @description True when calling it again with the same params has no further effect (set a value, delete by id). Meaningful only for a command that is not read-only. */
      idempotent?: boolean;
    };
    /** @description Runs a command for each event, as Execute would, with params {"event": <WebhookEvent JSON>}. */
    "patchbay.v1.CommandTarget": {
      /**
       * Format: uuid
       * @description Active connection UUID to run the command on.
       */
      connectionId: string;
      /** @description Command name of that connection's connector. */
      command: string;
    };
    /** @description A connector's declared schema, `configSchema {connectionConfig, commands}` in JSON. The version-bump floor is computed by diffing two of these. */
    "patchbay.v1.ConfigSchema": {
      /** @description Connection fields keyed by name (e.g. "baseUrl", "apiKey"): what a connection or connector instance must supply. Removing one, or adding a required one, is a major version change. */
      connectionConfig: {
        [key: string]: components["schemas"]["patchbay.v1.FieldSpec"];
      };
      /** @description Commands keyed by name (e.g. "listContacts"). Removing a command is a major change, adding one minor. */
      commands: {
        [key: string]: components["schemas"]["patchbay.v1.CommandSpec"];
      };
    };
    /** @description A connector's declared schema, `configSchema {connectionConfig, commands}` in JSON. The version-bump floor is computed by diffing two of these. */
    "patchbay.v1.ConfigSchemaInput": {
      /** @description Connection fields keyed by name (e.g. "baseUrl", "apiKey"): what a connection or connector instance must supply. Removing one, or adding a required one, is a major version change. */
      connectionConfig?: {
        [key: string]: components["schemas"]["patchbay.v1.FieldSpecInput"];
      };
      /** @description Commands keyed by name (e.g. "listContacts"). Removing a command is a major change, adding one minor. */
      commands?: {
        [key: string]: components["schemas"]["patchbay.v1.CommandSpecInput"];
      };
    };
    /** @description A caller's connection to a connector. Never carries secrets: tokens and credential values stay sealed in the database. */
    "patchbay.v1.Connection": {
      /** @description Connection id, a UUID. */
      id: string;
      /** @description Slug of the connector it connects. */
      connectorSlug: string;
      /** @description Caller-chosen display label, e.g. "Personal GitHub"; may be empty. */
      label: string;
      /** @description "pending" (awaiting OAuth or credentials), "active", "error" (see last_error) or "revoked" (deleted). */
      status: string;
      /** @description Copied from the connector: "oauth", "api_key" or "none". */
      authType: string;
      /** @description Operator-safe code or reason of the last failure (e.g. "OAUTH_REFRESH_FAILED"); empty when healthy. */
      lastError: string;
      /** @description OAuth scopes the provider granted (may differ from those requested); empty for "api_key". */
      grantedScopes: string[];
      /**
       * Format: date-time
       * @description When the current OAuth access token expires; unset when unknown or not OAuth.
       */
      tokenExpireTime?: string;
      /**
       * Format: date-time
       * @description When the connection was started.
       */
      createTime?: string;
      /**
       * Format: date-time
       * @description When status, credentials or tokens last changed.
       */
      updateTime?: string;
      /**
       * Format: date-time
       * @description When it was revoked; unset while not deleted.
       */
      deleteTime?: string;
    };
    /** @description A catalog entry. Its JSON field names are stable: existing REST clients read it unchanged. */
    "patchbay.v1.Connector": {
      /** @description Stable connector id, kebab-case (e.g. "github", "acme-crm"); unique and never reused. */
      slug: string;
      /** @description Display name (CreateConnectorRequest.display_name; the request's `name` is the slug). */
      name: string;
      /** @description One-line summary. */
      description: string;
      /** @description How connections authenticate: "oauth", "api_key" or "none" (no connection needed). */
      authType: string;
      /** @description True when the credentials the connector itself needs are present: the OAuth client for "oauth", the encrypted instance config for built-in instances; always true for "none". */
      configured: boolean;
      /** @description "available", "coming_soon", "not_configured" (see `configured`) or "disabled" by an operator. */
      availability: string;
      /** @description Short operator-safe reason when `availability` is not "available" (e.g. "OAuth client not set"); empty otherwise. */
      availabilityReason: string;
      /** @description Commands the connector exposes, in name order (see GetCapabilities for their params). */
      tools: components["schemas"]["patchbay.v1.Tool"][];
      /** @description Fields a caller submits with SubmitCredentials; only set for "api_key" connectors. */
      credentialFields: components["schemas"]["patchbay.v1.CredentialField"][];
      /** @description Free-form grouping for the catalog UI, lowercase (e.g. "crm", "messaging"); may be empty. */
      category: string;
      /** @description Search tags, lowercase, deduplicated. */
      tags: string[];
      /** @description Current semver version, e.g. "1.4.0". */
      version: string;
      /** @description How commands run: "built_in", "script", "openapi" or "external". */
      executionModel: string;
      /** @description Registered handler type for "built_in" (e.g. "http", "github"); for other models it defaults to the slug and is informational. */
      type: string;
      /** @description Base URL of an "external" connector's service; empty for other models. */
      endpointUrl: string;
      /** @description Protocol used to call an "external" connector: "grpc", "connect" or "http" (protocol 2.0, the default when empty); empty for other models. */
      protocol: string;
      /** @description The connector is deprecated as a whole: it still runs, but new connections are discouraged. */
      deprecated: boolean;
      /**
       * Format: date-time
       * @description When the connector was created (for built-ins: when it was first added to this database).
       */
      createTime?: string;
      /**
       * Format: date-time
       * @description When the definition or its version last changed.
       */
      updateTime?: string;
      /** @description Non-empty when the connector is in mock mode: every command answers from this named in-code mock scenario (e.g. "default") instead of calling out. For tests and demos. */
      mockScenario: string;
      /** @description Execution records of this connector keep the request params and the result payload (redacted like diagnostics). Off by default: params and payloads may hold personal data. */
      recordPayloads: boolean;
      /** @description A script connector's sandbox limits; unset fields use the defaults (docs/script-connectors.md). */
      scriptLimits?: components["schemas"]["patchbay.v1.ScriptLimits"];
      /** @description Shared with every tenant by the operator; only its own tenant's admin keys may change it. */
      published: boolean;
      /** @description A built-in type or a connector that ships with Patchbay: shared with every tenant, changed only by a server deployment. */
      builtIn: boolean;
      /** @description The on-premise agent pool its commands' HTTP requests travel through (docs/agent.md); empty: the server's own outbound client. The pool is looked up in the calling key's tenant. */
      agentPool: string;
    };
    /** @description A connector derived from an OpenAPI document, not yet stored. Create it with the response's `create_request`, or with CreateConnector using execution_model "openapi", the same document and the chosen operations (a `config_schema` equal to this draft's is accepted). */
    "patchbay.v1.ConnectorDraft": {
      /** @description Proposed slug. */
      name: string;
      /** @description Summary taken from info.description or info.title. */
      description: string;
      /** @description Proposed version, from info.version when it is semver, else "1.0.0". */
      version: string;
      /** @description Derived schema: security schemes become connection-config fields, operations become commands. */
      configSchema?: components["schemas"]["patchbay.v1.ConfigSchema"];
      /** @description The operations kept, in document order. */
      operations: components["schemas"]["patchbay.v1.OperationSummary"][];
    };
    /** @description One line a connector logged while running a command (`patchbay.log.info(...)` in a script). */
    "patchbay.v1.ConnectorLogLine": {
      /** @description "trace", "debug", "info", "warn" or "error". */
      level: string;
      /** @description The message, scrubbed of the execution's secrets; at most 2,000 characters. */
      message: string;
      /** @description The structured fields, redacted like ExecutionFailure.diagnostics. */
      fields?: {
        [key: string]: unknown;
      };
    };
    /** @description One stored version of a connector. */
    "patchbay.v1.ConnectorVersion": {
      /** @description Semver version, e.g. "1.4.0". */
      version: string;
      /** @description The schema this version declared (connection fields and commands). */
      configSchema?: components["schemas"]["patchbay.v1.ConfigSchema"];
      /**
       * Format: date-time
       * @description When the version was stored.
       */
      createTime?: string;
      /** @description A script connector's source at this version; empty for other models and for a connector another tenant published. */
      scriptSource: string;
    };
    /** @description Request for ApiKeyService.CreateApiKey. The tenant is always the caller's. */
    "patchbay.v1.CreateApiKeyRequest": {
      /** @description The user or service the key acts for: 1-256 characters, no control characters. Required. */
      subject: string;
      /** @description Scopes to grant, at least one: "catalog:read", "catalog:write", "connections", "execute", "webhooks:admin", "webhooks:payload", "mcp", "agent", "admin". Only scopes the calling key holds. "agent" (an on-premise agent's key) comes alone, with agent_pool. */
      scopes: (
        | "catalog:read"
        | "catalog:write"
        | "connections"
        | "execute"
        | "webhooks:admin"
        | "webhooks:payload"
        | "mcp"
        | "agent"
        | "admin"
      )[];
      /** @description Label for people: at most 100 characters, no control characters; empty means "unnamed". */
      name?: string;
      /** @description Rate-limit tier: a name defined in PATCHBAY_RATE_LIMITS; empty means "standard". Only the calling key's own tier or "standard". */
      tier?: string;
      /**
       * Format: date-time
       * @description When the key stops working, in the future; unset for a key that does not expire.
       */
      expireTime?: string;
      /** @description The one agent pool a key with scope "agent" serves: 1-63 of [a-z0-9-], starting with a letter or digit. Required with "agent", refused without it; the pool cannot be changed later (a rotation keeps it). */
      agentPool?: string;
    };
    /** @description Response for ApiKeyService.CreateApiKey. */
    "patchbay.v1.CreateApiKeyResponse": {
      /** @description The new key's details. */
      apiKey?: components["schemas"]["patchbay.v1.ApiKey"];
      /** @description The key itself, to send as `Authorization: Bearer <key>`. Returned only here: it is stored hashed and cannot be shown again. */
      key: string;
    };
    /** @description Request for CatalogService.CreateConnector; docs/script-connectors.md and docs/openapi-connectors.md show example bodies. */
    "patchbay.v1.CreateConnectorRequest": {
      /** @description The new connector's slug: kebab-case, 2-63 characters, matching ^[a-z][a-z0-9-]*[a-z0-9]$. */
      name: string;
      /** @description Display name shown in the catalog; defaults to `name`. */
      displayName: string;
      /** @description For "built_in": the registered handler type this is an instance of (e.g. "http"); required. For other models it is informational and defaults to `name`. */
      type: string;
      /** @description One-line summary. */
      description: string;
      /** @description Initial semver version; defaults to "1.0.0". */
      version: string;
      /**
       * @description "built_in", "script", "openapi" or "external"; required.
       * @enum {string}
       */
      executionModel: "built_in" | "script" | "openapi" | "external";
      /** @description Catalog grouping, lowercase; optional. */
      category: string;
      /** @description Search tags; lowercased and deduplicated. */
      tags: string[];
      /** @description Declared connection fields and commands. Derived for "built_in" (from the type, when unset) and for "openapi" (from the document: a schema other than the derived one is refused; choose commands with `operations`). */
      configSchema?: components["schemas"]["patchbay.v1.ConfigSchema"];
      /** @description JavaScript source for "script": one top-level function per command; required for that model. */
      scriptSource: string;
      /** @description Base URL of the service for "external", e.g. "https://connector.example.com"; must be https unless the server allows plain http. Required for that model. */
      endpointUrl: string;
      /**
       * @description How to call an "external" connector: "grpc", "connect" or "http" (protocol 2.0, default).
       * @enum {string}
       */
      protocol: "grpc" | "connect" | "http";
      /** @description Instance secrets (e.g. baseUrl, clientSecret) checked against config_schema.connection_config ("built_in" and "openapi"; for "openapi" it holds what every connection shares, such as the OAuth client or a base URL, and connections supply the rest). Write-only: encrypted at rest and never returned. May be omitted and set later with UpdateConnector. */
      config?: {
        [key: string]: unknown;
      };
      /** @description For "openapi": the OpenAPI 3.x document as JSON or YAML text; required for that model. */
      openapiDocument: string;
      /** @description For "openapi": operationIds or command names to expose as commands; empty exposes every operation. */
      operations: string[];
      /** @description Put the connector in mock mode: every command answers from this named in-code mock scenario ("built_in" only; at most 64 characters, letters, digits, "_" and "-"). Empty: real calls. */
      mockScenario: string;
      /** @description Keep params and payloads in this connector's execution records (redacted). Off by default. */
      recordPayloads: boolean;
      /** @description Sandbox limits of a script connector; unset or zero fields use the defaults. */
      scriptLimits?: components["schemas"]["patchbay.v1.ScriptLimits"];
      /** @description Publish the new connector to every tenant at once (admin keys of the operator's tenant only). */
      published: boolean;
      /** @description Send every HTTP request of this connector's commands through a connected agent of this pool (of the calling key's tenant) instead of the server's own client: 1-63 of [a-z0-9-]. Empty: no agent. An external connector needs protocol http or connect for it, and is checked through the agent. */
      agentPool: string;
    };
    /** @description Request for CatalogService.CreateConnector; docs/script-connectors.md and docs/openapi-connectors.md show example bodies. */
    "patchbay.v1.CreateConnectorRequestInput": {
      /** @description The new connector's slug: kebab-case, 2-63 characters, matching ^[a-z][a-z0-9-]*[a-z0-9]$. */
      name?: string;
      /** @description Display name shown in the catalog; defaults to `name`. */
      displayName?: string;
      /** @description For "built_in": the registered handler type this is an instance of (e.g. "http"); required. For other models it is informational and defaults to `name`. */
      type?: string;
      /** @description One-line summary. */
      description?: string;
      /** @description Initial semver version; defaults to "1.0.0". */
      version?: string;
      /**
       * @description "built_in", "script", "openapi" or "external"; required.
       * @enum {string}
       */
      executionModel?: "built_in" | "script" | "openapi" | "external";
      /** @description Catalog grouping, lowercase; optional. */
      category?: string;
      /** @description Search tags; lowercased and deduplicated. */
      tags?: string[];
      /** @description Declared connection fields and commands. Derived for "built_in" (from the type, when unset) and for "openapi" (from the document: a schema other than the derived one is refused; choose commands with `operations`). */
      configSchema?: components["schemas"]["patchbay.v1.ConfigSchemaInput"];
      /** @description JavaScript source for "script": one top-level function per command; required for that model. */
      scriptSource?: string;
      /** @description Base URL of the service for "external", e.g. "https://connector.example.com"; must be https unless the server allows plain http. Required for that model. */
      endpointUrl?: string;
      /**
       * @description How to call an "external" connector: "grpc", "connect" or "http" (protocol 2.0, default).
       * @enum {string}
       */
      protocol?: "grpc" | "connect" | "http";
      /** @description Instance secrets (e.g. baseUrl, clientSecret) checked against config_schema.connection_config ("built_in" and "openapi"; for "openapi" it holds what every connection shares, such as the OAuth client or a base URL, and connections supply the rest). Write-only: encrypted at rest and never returned. May be omitted and set later with UpdateConnector. */
      config?: {
        [key: string]: unknown;
      };
      /** @description For "openapi": the OpenAPI 3.x document as JSON or YAML text; required for that model. */
      openapiDocument?: string;
      /** @description For "openapi": operationIds or command names to expose as commands; empty exposes every operation. */
      operations?: string[];
      /** @description Put the connector in mock mode: every command answers from this named in-code mock scenario ("built_in" only; at most 64 characters, letters, digits, "_" and "-"). Empty: real calls. */
      mockScenario?: string;
      /** @description Keep params and payloads in this connector's execution records (redacted). Off by default. */
      recordPayloads?: boolean;
      /** @description Sandbox limits of a script connector; unset or zero fields use the defaults. */
      scriptLimits?: components["schemas"]["patchbay.v1.ScriptLimitsInput"];
      /** @description Publish the new connector to every tenant at once (admin keys of the operator's tenant only). */
      published?: boolean;
      /** @description Send every HTTP request of this connector's commands through a connected agent of this pool (of the calling key's tenant) instead of the server's own client: 1-63 of [a-z0-9-]. Empty: no agent. An external connector needs protocol http or connect for it, and is checked through the agent. */
      agentPool?: string;
    };
    /** @description Response for CatalogService.CreateConnector. */
    "patchbay.v1.CreateConnectorResponse": {
      /** @description The created connector. */
      connector?: components["schemas"]["patchbay.v1.Connector"];
      /** @description For "openapi": what the import skipped, renamed or simplified (as ParseOpenApi reports it). */
      warnings: string[];
    };
    /** @description Request for WebhookService.CreateEndpoint. */
    "patchbay.v1.CreateEndpointRequest": {
      /**
       * @description Provider name, one of WebhookEndpoint.provider's values; required.
       * @enum {string}
       */
      provider:
        | "telegram"
        | "slack"
        | "discord"
        | "whatsapp"
        | "twilio"
        | "gmail"
        | "github"
        | "linear"
        | "stripe";
      /** @description Connector the events belong to; required. */
      connectorSlug: string;
      /**
       * Format: uuid
       * @description Connection to tie the endpoint to; optional.
       */
      connectionId?: string;
      /** @description Provider secret or key used to verify deliveries (Slack signing secret, Stripe "whsec_...", Discord public key, ...). Write-only: sealed at rest, never returned. Required unless the provider has none. */
      secret?: string;
      /** @description Where jobs deliver events; unset means pull. */
      target?: components["schemas"]["patchbay.v1.JobTargetInput"];
      /** @description WhatsApp/Meta only: the Verify Token configured in the Meta app, checked by VerifyEndpoint. Write-only; required for "whatsapp", ignored otherwise. */
      verifyToken?: string;
    };
    /** @description Response for WebhookService.CreateEndpoint. */
    "patchbay.v1.CreateEndpointResponse": {
      /** @description The new endpoint; register its `url` with the provider. */
      endpoint?: components["schemas"]["patchbay.v1.WebhookEndpoint"];
    };
    /** @description A credential input of an "api_key" connector, enough to render a form. */
    "patchbay.v1.CredentialField": {
      /** @description Key under which SubmitCredentials expects the value, e.g. "apiKey". */
      key: string;
      /** @description Human label for the input. */
      label: string;
      /** @description SubmitCredentials fails with invalid_argument when a required key is missing or empty. */
      required: boolean;
      /** @description Value type, same vocabulary as FieldSpec.type ("string", "secret", "number", "boolean", "date", "select", "raw"). */
      type: string;
      /** @description The value is secret: render a password input; it is encrypted at rest and never returned. */
      secret: boolean;
      /** @description One-line help text, e.g. where to find the key in the provider's console. */
      description: string;
      /** @description Allowed values when `type` is "select"; empty otherwise. */
      options: string[];
      /** @description Example input shown in an empty field; never used as a value. */
      placeholder: string;
    };
    /** @description Response for ConnectionService.DeleteConnection. */
    "patchbay.v1.DeleteConnectionResponse": {
      /** @description Always true on success (the REST body is `{"deleted": true}`). */
      deleted: boolean;
    };
    /** @description Response for CatalogService.DeleteConnector. */
    "patchbay.v1.DeleteConnectorResponse": {
      /** @description Always true on success (the REST body is `{"deleted": true}`). */
      deleted: boolean;
    };
    /** @description Response for WebhookService.DeleteEndpoint. */
    "patchbay.v1.DeleteEndpointResponse": {
      /** @description Always true on success. */
      deleted: boolean;
    };
    /** @description Per-endpoint delivery counters. */
    "patchbay.v1.DeliveryCounts": {
      /** @description Verified, new events stored and enqueued. */
      accepted: number;
      /** @description Verified deliveries dropped because their provider event id was already seen. */
      duplicate: number;
      /** @description Deliveries refused: bad or stale signature, failed handshake, malformed body. */
      rejected: number;
      /** @description Jobs that ended "dead" after exhausting their attempts. */
      failed: number;
    };
    /** @description Per-call settings of an Execute. */
    "patchbay.v1.ExecuteMetadata": {
      /** @description Caller's workflow step id, recorded on the execution and passed to the connector; opaque. */
      stepId?: string;
      /** @description Caller's workflow run id, recorded on the execution and passed to the connector; opaque. */
      runId?: string;
      /** @description Time budget in milliseconds; 0 means the server default (30 s). Clamped to the server maximum (15 minutes) and to the RPC deadline, whichever is shorter. Exceeding it fails with deadline_exceeded. */
      timeoutMs?: number;
      /** @description Caller-chosen key, at most 128 characters. A repeat with the same key on the same target returns the first execution's outcome instead of running again, so retries after a lost reply are safe; except after a stop of the server cut the first call off: the key is let go, and a retry runs again. */
      idempotencyKey?: string;
      /** @description Answer the connector's log lines of this run with it (ExecuteResponse.log_lines, or ExecutionFailure.log_lines when it fails): at most 200, each scrubbed of the execution's secrets and redacted like diagnostics. They go to the server's log either way. */
      returnLogLines?: boolean;
      /** @description Answer from the command's in-code mock scenario of this name ("default", "empty", ...) instead of running the command: no upstream request is made and the connection's credentials are not read, but the target is checked exactly as for a real call (the caller's own active connection). At most 64 characters, letters, digits, "_" and "-". Wins over the connector's own mock mode. Only built-in connectors have mock scenarios: on a script, external or OpenAPI-derived connector the call fails with invalid_argument, error code MOCK_UNSUPPORTED; a command without the scenario fails with NO_MOCK_SCENARIO. The execution record keeps the name (Execution.mock_scenario). Empty: run for real. */
      mockScenario?: string;
    };
    /** @description Response for ExecuteService.Execute (success only; failures are RPC errors). */
    "patchbay.v1.ExecuteResponse": {
      /** @description The command's domain result: the `payload` the connector returned. */
      payload?: {
        [key: string]: unknown;
      };
      /** @description Variables the command asks to merge into the caller's run variables (the connector's `variables`). */
      variables?: {
        [key: string]: unknown;
      };
      /** @description Id of the recorded execution (GetExecution). */
      executionId: string;
      /**
       * Format: double
       * @description Wall time of the command in milliseconds, excluding queueing before dispatch.
       */
      durationMs: number;
      /** @description The connector's log lines of this run, oldest first, when ExecuteMetadata.return_log_lines asked. */
      logLines: components["schemas"]["patchbay.v1.ConnectorLogLine"][];
    };
    /** @description One recorded command execution. Holds no secrets; params and payload only when the connector opts in. */
    "patchbay.v1.Execution": {
      /** @description Execution id, a UUID. */
      id: string;
      /** @description Slug of the connector that ran. */
      connectorSlug: string;
      /** @description Connector version at the time of the run, e.g. "1.4.0". */
      connectorVersion: string;
      /** @description Connection UUID; empty for auth type "none" connectors. */
      connectionId: string;
      /** @description Command name. */
      command: string;
      /** @description "succeeded" or "failed". */
      status: string;
      /** @description Connect code name of the failure, e.g. "failed_precondition"; empty when succeeded. */
      code: string;
      /** @description Stable internal error code (as in ExecutionFailure.error_code); empty when succeeded. */
      errorCode: string;
      /** @description Operator-safe error message (no personal data or secrets); empty when succeeded. */
      message: string;
      /**
       * Format: double
       * @description Wall time of the command in milliseconds.
       */
      durationMs: number;
      /** @description Failure diagnostics, redacted; empty when succeeded. */
      diagnostics?: {
        [key: string]: unknown;
      };
      /** @description Caller's step id from ExecuteMetadata. */
      stepId: string;
      /** @description Caller's run id from ExecuteMetadata. */
      runId: string;
      /** @description Request params, redacted; only stored when the connector opts in, else unset. */
      params?: {
        [key: string]: unknown;
      };
      /** @description Result payload, redacted; only stored when the connector opts in, else unset. */
      payload?: {
        [key: string]: unknown;
      };
      /**
       * Format: date-time
       * @description When the execution started.
       */
      createTime?: string;
      /** @description The command's deprecation message when the command was deprecated at the time of the run (the command's deprecated_message, or "this command is deprecated" when it has none); empty otherwise. The Execute call that ran it answered it in the x-patchbay-deprecated response header. */
      deprecation: string;
      /** @description How the run was asked for: the caller's protocol ("grpc", "grpc-web", "connect", "rest", "mcp"), or "webhook" for a webhook endpoint's command target; empty for records written before it was kept. */
      protocol: string;
      /** @description The mock scenario that answered instead of the command, no upstream request made: the call's ExecuteMetadata.mock_scenario, else the connector's mock mode. Empty for a real run. */
      mockScenario: string;
    };
    /** @description One connection-config field or command parameter, as `t.*` builders describe it; in JSON, e.g. {"type": "number", "default": 50} or {"type": "string", "secret": true}. */
    "patchbay.v1.FieldSpec": {
      /** @description Value type: "string", "secret" (string stored encrypted, never returned), "number", "boolean", "date" (RFC 3339 text), "select" (one of `options`) or "raw" (any JSON value). Empty means "string". */
      type: string;
      /** @description The value must be present and non-empty; a missing required field fails validation with invalid_argument naming the field (never its value). */
      required: boolean;
      /** @description The value is a secret: encrypted at rest, redacted in logs and never returned by any RPC. Implied by type "secret"; may also be set on "string" fields. */
      secret: boolean;
      /** @description One-line help text shown next to the input; plain text. */
      description: string;
      /** @description Human label for forms; empty means the map key is shown. */
      label: string;
      /** @description Value used when the caller omits the field (JSON name "default"). A new parameter with a default is a minor version change, one without is major. */
      default?: unknown;
      /** @description Allowed values when `type` is "select", in display order; empty otherwise. */
      options: string[];
      /** @description Example input shown greyed out in an empty form field; never used as a value. */
      placeholder: string;
    };
    /** @description One connection-config field or command parameter, as `t.*` builders describe it; in JSON, e.g. {"type": "number", "default": 50} or {"type": "string", "secret": true}. */
    "patchbay.v1.FieldSpecInput": {
      /** @description Value type: "string", "secret" (string stored encrypted, never returned), "number", "boolean", "date" (RFC 3339 text), "select" (one of `options`) or "raw" (any JSON value). Empty means "string". */
      type?: string;
      /** @description The value must be present and non-empty; a missing required field fails validation with invalid_argument naming the field (never its value). */
      required?: boolean;
      /** @description The value is a secret: encrypted at rest, redacted in logs and never returned by any RPC. Implied by type "secret"; may also be set on "string" fields. */
      secret?: boolean;
      /** @description One-line help text shown next to the input; plain text. */
      description?: string;
      /** @description Human label for forms; empty means the map key is shown. */
      label?: string;
      /** @description Value used when the caller omits the field (JSON name "default"). A new parameter with a default is a minor version change, one without is major. */
      default?: unknown;
      /** @description Allowed values when `type` is "select", in display order; empty otherwise. */
      options?: string[];
      /** @description Example input shown greyed out in an empty form field; never used as a value. */
      placeholder?: string;
    };
    /** @description Response for CatalogService.GetCapabilities. */
    "patchbay.v1.GetCapabilitiesResponse": {
      /** @description Slug of the connector. */
      slug: string;
      /** @description Version the capabilities describe. */
      version: string;
      /** @description Commands in name order, deprecated ones included. */
      commands: components["schemas"]["patchbay.v1.Capability"][];
      /** @description Connection-config fields keyed by name; secret values are never included. */
      connectionConfig: {
        [key: string]: components["schemas"]["patchbay.v1.FieldSpec"];
      };
    };
    /** @description Response for ConnectionService.GetConnection. */
    "patchbay.v1.GetConnectionResponse": {
      /** @description The connection. */
      connection?: components["schemas"]["patchbay.v1.Connection"];
    };
    /** @description Response for CatalogService.GetConnector. */
    "patchbay.v1.GetConnectorResponse": {
      /** @description The connector. */
      connector?: components["schemas"]["patchbay.v1.Connector"];
    };
    /** @description Response for WebhookService.GetEndpoint. */
    "patchbay.v1.GetEndpointResponse": {
      /** @description The endpoint. */
      endpoint?: components["schemas"]["patchbay.v1.WebhookEndpoint"];
    };
    /** @description Response for ExecuteService.GetExecution. */
    "patchbay.v1.GetExecutionResponse": {
      /** @description The execution. */
      execution?: components["schemas"]["patchbay.v1.Execution"];
    };
    /** @description Response for ConnectionService.GetOAuthStatus. */
    "patchbay.v1.GetOAuthStatusResponse": {
      /** @description The connection; its status tells whether the handshake finished. */
      connection?: components["schemas"]["patchbay.v1.Connection"];
      /** @description Authorization URL while status is "pending"; empty otherwise. */
      oauthUrl: string;
    };
    /** @description Delivers each event as a JSON POST with `webhook-id`, `webhook-timestamp` and `webhook-signature` headers (Standard Webhooks v1). A 2xx answer succeeds the job; anything else retries. */
    "patchbay.v1.HttpsTarget": {
      /** @description Destination, https only; the outbound SSRF policy applies (no private or metadata addresses). */
      url: string;
      /** @description Standard Webhooks secret, "whsec_" + base64 of 24-64 random bytes. Write-only: sealed at rest, never returned. */
      signingSecret: string;
    };
    /** @description Delivers each event as a JSON POST with `webhook-id`, `webhook-timestamp` and `webhook-signature` headers (Standard Webhooks v1). A 2xx answer succeeds the job; anything else retries. */
    "patchbay.v1.HttpsTargetInput": {
      /** @description Destination, https only; the outbound SSRF policy applies (no private or metadata addresses). */
      url: string;
      /** @description Standard Webhooks secret, "whsec_" + base64 of 24-64 random bytes. Write-only: sealed at rest, never returned. */
      signingSecret?: string;
    };
    /** @description A durable unit of work created from one event. */
    "patchbay.v1.Job": {
      /** @description Job id, a UUID. */
      id: string;
      /** @description Event it delivers. */
      eventId: string;
      /** @description Endpoint the event came from. */
      endpointId: string;
      /** @description "queued", "running" (or leased by a pull consumer), "succeeded", "retrying" (waiting for next_attempt_time) or "dead" (gave up; RetryJob revives it). */
      state: string;
      /** @description Attempts made so far. */
      attempts: number;
      /** @description Attempts allowed before the job is "dead". */
      maxAttempts: number;
      /** @description Operator-safe code of the last failure, e.g. "HTTPS_TARGET_503"; empty when none. */
      lastErrorCode: string;
      /**
       * Format: date-time
       * @description When a "retrying" job runs next; unset otherwise.
       */
      nextAttemptTime?: string;
      /**
       * Format: date-time
       * @description When the job was enqueued.
       */
      createTime?: string;
      /**
       * Format: date-time
       * @description When it reached "succeeded" or "dead"; unset before.
       */
      completeTime?: string;
      /** @description Target kind: "command", "https" or "pull". */
      targetKind: string;
    };
    /** @description Where the job made from an event delivers it. Unset on create means `pull`. */
    "patchbay.v1.JobTarget": {
      /**
       * @description Run a connector command with the event.
       *
       *     Part of oneof `kind`: set at most one of `command`, `https`, `pull`.
       */
      command?: components["schemas"]["patchbay.v1.CommandTarget"];
      /**
       * @description POST the event to an HTTPS URL, signed per Standard Webhooks.
       *
       *     Part of oneof `kind`: set at most one of `command`, `https`, `pull`.
       */
      https?: components["schemas"]["patchbay.v1.HttpsTarget"];
      /**
       * @description Keep the job until a consumer claims it with ClaimJobs.
       *
       *     Part of oneof `kind`: set at most one of `command`, `https`, `pull`.
       */
      pull?: components["schemas"]["patchbay.v1.PullTarget"];
    };
    /** @description Where the job made from an event delivers it. Unset on create means `pull`. */
    "patchbay.v1.JobTargetInput": {
      /**
       * @description Run a connector command with the event.
       *
       *     Part of oneof `kind`: set at most one of `command`, `https`, `pull`.
       */
      command?: components["schemas"]["patchbay.v1.CommandTarget"];
      /**
       * @description POST the event to an HTTPS URL, signed per Standard Webhooks.
       *
       *     Part of oneof `kind`: set at most one of `command`, `https`, `pull`.
       */
      https?: components["schemas"]["patchbay.v1.HttpsTargetInput"];
      /**
       * @description Keep the job until a consumer claims it with ClaimJobs.
       *
       *     Part of oneof `kind`: set at most one of `command`, `https`, `pull`.
       */
      pull?: components["schemas"]["patchbay.v1.PullTarget"];
    };
    /** @description Response for ApiKeyService.ListApiKeys. */
    "patchbay.v1.ListApiKeysResponse": {
      /** @description One page of the tenant's keys, newest first. */
      apiKeys: components["schemas"]["patchbay.v1.ApiKey"][];
      /** @description Token for the next page; empty when there are no more. */
      nextPageToken: string;
    };
    /** @description Response for ConnectionService.ListConnections. */
    "patchbay.v1.ListConnectionsResponse": {
      /** @description One page of connections, in the requested order (newest first by default). */
      connections: components["schemas"]["patchbay.v1.Connection"][];
      /** @description Token for the next page; empty when there are no more. */
      nextPageToken: string;
      /**
       * Format: int32
       * @description How many connections match the filters over all pages (an exact count).
       */
      totalSize: number;
    };
    /** @description Response for CatalogService.ListConnectorVersions. */
    "patchbay.v1.ListConnectorVersionsResponse": {
      /** @description The versions, newest first; at most the 100 newest. */
      versions: components["schemas"]["patchbay.v1.ConnectorVersion"][];
    };
    /** @description Response for CatalogService.ListConnectors. */
    "patchbay.v1.ListConnectorsResponse": {
      /** @description One page of connectors, ordered by slug. */
      connectors: components["schemas"]["patchbay.v1.Connector"][];
      /** @description Token for the next page; empty when there are no more. */
      nextPageToken: string;
    };
    /** @description Response for WebhookService.ListEndpoints. */
    "patchbay.v1.ListEndpointsResponse": {
      /** @description One page of endpoints, newest first. */
      endpoints: components["schemas"]["patchbay.v1.WebhookEndpoint"][];
      /** @description Token for the next page; empty when there are no more. */
      nextPageToken: string;
    };
    /** @description Response for WebhookService.ListEvents. */
    "patchbay.v1.ListEventsResponse": {
      /** @description One page of events, newest first. */
      events: components["schemas"]["patchbay.v1.WebhookEvent"][];
      /** @description Token for the next page; empty when there are no more. */
      nextPageToken: string;
    };
    /** @description Response for ExecuteService.ListExecutions. */
    "patchbay.v1.ListExecutionsResponse": {
      /** @description One page of executions, in the requested order (newest first by default). */
      executions: components["schemas"]["patchbay.v1.Execution"][];
      /** @description Token for the next page; empty when there are no more. */
      nextPageToken: string;
    };
    /** @description Response for WebhookService.ListJobs. */
    "patchbay.v1.ListJobsResponse": {
      /** @description One page of jobs, newest first. */
      jobs: components["schemas"]["patchbay.v1.Job"][];
      /** @description Token for the next page; empty when there are no more. */
      nextPageToken: string;
    };
    /** @description Response for WebhookService.NackJob. */
    "patchbay.v1.NackJobResponse": {
      /** @description The job, now "retrying" or "dead". */
      job?: components["schemas"]["patchbay.v1.Job"];
    };
    /** @description One OpenAPI operation and the command it became. */
    "patchbay.v1.OperationSummary": {
      /** @description The operation's operationId (or a generated "<method>_<path>" id when it has none). */
      operationId: string;
      /** @description Command name in the draft's config_schema. */
      command: string;
      /** @description HTTP method, upper case, e.g. "GET". */
      method: string;
      /** @description Path template from the document, e.g. "/contacts/{id}". */
      path: string;
      /** @description The operation's summary; may be empty. */
      summary: string;
    };
    /** @description A named command parameter. */
    "patchbay.v1.Param": {
      /** @description Parameter name, the key in Execute params. */
      name: string;
      /** @description Type, default and constraints; an untyped param is an optional "string". */
      spec?: components["schemas"]["patchbay.v1.FieldSpec"];
    };
    /** @description Request for CatalogService.ParseOpenApi. REST body: `{"spec": {...}}`, `{"document": "<JSON or YAML>"}` or `{"url": "https://…"}`. */
    "patchbay.v1.ParseOpenApiRequest": {
      /**
       * @description The document as JSON or YAML text.
       *
       *     Part of oneof `source`: set at most one of `document`, `spec`, `url`.
       */
      document?: string;
      /**
       * @description The document as a JSON object.
       *
       *     Part of oneof `source`: set at most one of `document`, `spec`, `url`.
       */
      spec?: {
        [key: string]: unknown;
      };
      /**
       * @description An http(s) URL the server fetches the document from, through its outbound client: the egress policy applies (an internal address needs PATCHBAY_EGRESS_ALLOW), and the same size limit as a document in the request (PATCHBAY_MAX_OPENAPI_BYTES).
       *
       *     Part of oneof `source`: set at most one of `document`, `spec`, `url`.
       */
      url?: string;
      /** @description operationIds to keep; empty keeps every operation. Unknown ids produce warnings, not errors. */
      operations?: string[];
      /** @description Slug for the draft; defaults to a kebab-case form of info.title. */
      name?: string;
    };
    /** @description Response for CatalogService.ParseOpenApi. */
    "patchbay.v1.ParseOpenApiResponse": {
      /** @description The draft connector. */
      draft?: components["schemas"]["patchbay.v1.ConnectorDraft"];
      /** @description Operator-safe notes about skipped or simplified parts (e.g. an unsupported security scheme). */
      warnings: string[];
      /** @description The CreateConnector request that stores this draft: send it unchanged to CreateConnector (POST /api/v1/connectors), or change its name, category or other fields first. It carries the document as text (a `spec` or `url` source included) and the selection of operations. */
      createRequest?: components["schemas"]["patchbay.v1.CreateConnectorRequest"];
    };
    /** @description Pull delivery: jobs wait in the queue until ClaimJobs leases them. No settings yet. */
    "patchbay.v1.PullTarget": Record<string, never>;
    /** @description Response for ConnectionService.RefreshConnection. */
    "patchbay.v1.RefreshConnectionResponse": {
      /** @description The connection with its new token_expire_time. */
      connection?: components["schemas"]["patchbay.v1.Connection"];
    };
    /** @description Response for ConnectionService.RestartOAuth. */
    "patchbay.v1.RestartOAuthResponse": {
      /** @description The connection, back in "pending" until the handshake completes. */
      connection?: components["schemas"]["patchbay.v1.Connection"];
      /** @description New authorization URL to open in a normal browser tab. */
      oauthUrl: string;
      /** @description A keyless, single-use start link for a browser tab, valid for five minutes (OpenOAuthLink). */
      oauthLinkUrl: string;
    };
    /** @description Response for WebhookService.RetryJob. */
    "patchbay.v1.RetryJobResponse": {
      /** @description The job, queued again with one more attempt (state "retrying" until it runs). */
      job?: components["schemas"]["patchbay.v1.Job"];
    };
    /** @description Response for ApiKeyService.RevokeApiKey. */
    "patchbay.v1.RevokeApiKeyResponse": {
      /** @description The revoked key. */
      apiKey?: components["schemas"]["patchbay.v1.ApiKey"];
    };
    /** @description Response for ApiKeyService.RotateApiKey. */
    "patchbay.v1.RotateApiKeyResponse": {
      /** @description The new key's details. */
      apiKey?: components["schemas"]["patchbay.v1.ApiKey"];
      /** @description The new key itself. Returned only here: it is stored hashed and cannot be shown again. */
      key: string;
      /** @description The old key, with its expire_time at the end of the overlap window and replaced_by set. */
      previous?: components["schemas"]["patchbay.v1.ApiKey"];
    };
    /** @description Response for WebhookService.RotateEndpointSecret. */
    "patchbay.v1.RotateEndpointSecretResponse": {
      /** @description The endpoint with updated rotation times. */
      endpoint?: components["schemas"]["patchbay.v1.WebhookEndpoint"];
    };
    /** @description Per-execution limits of a script connector's sandbox. Zero means the default. */
    "patchbay.v1.ScriptLimits": {
      /**
       * Format: int32
       * @description Isolate heap limit in MiB (default 64, 8 to 512).
       */
      memoryMb: number;
      /**
       * Format: int32
       * @description CPU time in milliseconds (default 5000, at most 60000).
       */
      cpuMs: number;
      /**
       * Format: int32
       * @description Wall time in milliseconds, HTTP waits included (default 30000, at most 300000); the call's deadline applies when sooner.
       */
      wallMs: number;
      /**
       * Format: int32
       * @description Outbound HTTP calls per execution (default 50, at most 1000).
       */
      httpCalls: number;
      /**
       * Format: int32
       * @description Largest HTTP response body handed to the script, in bytes (default 5 MiB, at most 50 MiB).
       */
      responseBytes: number;
    };
    /** @description Per-execution limits of a script connector's sandbox. Zero means the default. */
    "patchbay.v1.ScriptLimitsInput": {
      /**
       * Format: int32
       * @description Isolate heap limit in MiB (default 64, 8 to 512).
       */
      memoryMb?: number;
      /**
       * Format: int32
       * @description CPU time in milliseconds (default 5000, at most 60000).
       */
      cpuMs?: number;
      /**
       * Format: int32
       * @description Wall time in milliseconds, HTTP waits included (default 30000, at most 300000); the call's deadline applies when sooner.
       */
      wallMs?: number;
      /**
       * Format: int32
       * @description Outbound HTTP calls per execution (default 50, at most 1000).
       */
      httpCalls?: number;
      /**
       * Format: int32
       * @description Largest HTTP response body handed to the script, in bytes (default 5 MiB, at most 50 MiB).
       */
      responseBytes?: number;
    };
    /** @description Request for ConnectionService.StartConnection. */
    "patchbay.v1.StartConnectionRequest": {
      /** @description Slug of a catalog connector; required. */
      connectorSlug: string;
      /** @description Optional display label, at most 200 characters. */
      label?: string;
    };
    /** @description Response for ConnectionService.StartConnection. A pending connection has exactly one next step set. */
    "patchbay.v1.StartConnectionResponse": {
      /** @description The new pending connection, or the existing active one. */
      connection?: components["schemas"]["patchbay.v1.Connection"];
      /** @description For "oauth": the provider authorization URL to open in a normal browser tab; empty otherwise. */
      oauthUrl: string;
      /** @description For "api_key" (pending or already connected, so keys can be re-submitted): the URL to POST credentials to (SubmitCredentials); empty otherwise. */
      credentialSubmitUrl: string;
      /** @description True when a new connection was created (REST 201), false when an existing one is returned (REST 200). */
      created: boolean;
      /** @description For a pending "oauth" connection: a link that starts the flow when a browser tab opens it, with no API key (OpenOAuthLink). Single-use, valid for five minutes; empty otherwise. */
      oauthLinkUrl: string;
    };
    /** @description Response for ConnectionService.StartOAuth (REST: a 302 to oauth_url instead of this body). */
    "patchbay.v1.StartOAuthResponse": {
      /** @description The new pending connection. */
      connection?: components["schemas"]["patchbay.v1.Connection"];
      /** @description Provider authorization URL. */
      oauthUrl: string;
    };
    /** @description Response for ConnectionService.SubmitCredentials. */
    "patchbay.v1.SubmitCredentialsResponse": {
      /** @description The connection, now "active". */
      connection?: components["schemas"]["patchbay.v1.Connection"];
    };
    /** @description One operation a connector exposes, as listed in the catalog. */
    "patchbay.v1.Tool": {
      /** @description Command name as passed to Execute, e.g. "listIssues". */
      name: string;
      /** @description One-line summary of the command. */
      description: string;
      /** @description Names of the command's in-code mock scenarios ("default", "empty", ...), which Execute's metadata.mock_scenario can answer from instead of running it; built-in connectors only, empty for other execution models. */
      mockScenarios: string[];
    };
    /** @description Response for CatalogService.UpdateConnector. */
    "patchbay.v1.UpdateConnectorResponse": {
      /** @description The connector after the update. */
      connector?: components["schemas"]["patchbay.v1.Connector"];
      /** @description The version before the update, e.g. "1.4.0". */
      previousVersion: string;
      /** @description Minimum bump the schema diff required: "major", "minor", "patch" or "none" (schema unchanged). */
      requiredBump: string;
      /** @description For an "openapi" re-import: what the import skipped, renamed or simplified. */
      warnings: string[];
    };
    /** @description A provisioned webhook receiver. Secrets are never returned; only rotation times are. */
    "patchbay.v1.WebhookEndpoint": {
      /** @description Endpoint id, a UUID; the last segment of `url`. */
      id: string;
      /** @description "telegram", "slack", "discord", "whatsapp", "twilio", "gmail", "github", "linear" or "stripe". */
      provider: string;
      /** @description Connector the events belong to, e.g. "telegram". */
      connectorSlug: string;
      /** @description Connection the endpoint was set up for; empty when not tied to one. */
      connectionId: string;
      /** @description Public receiver URL to register with the provider: <public base URL>/api/v1/connectors/webhooks/<provider>/<id>. */
      url: string;
      /** @description "pending" (awaiting the provider's GET handshake), "active", "failing" (recent deliveries rejected or dead) or "disabled". */
      status: string;
      /** @description Where each event's job delivers it. */
      target?: components["schemas"]["patchbay.v1.JobTarget"];
      /** @description Delivery counters since creation. */
      counts?: components["schemas"]["patchbay.v1.DeliveryCounts"];
      /**
       * Format: date-time
       * @description When the last verified event arrived; unset before the first.
       */
      lastEventTime?: string;
      /** @description Code of the last rejection or job failure, e.g. "SIGNATURE_MISMATCH"; empty when none. */
      lastErrorCode: string;
      /**
       * Format: date-time
       * @description When the secret was last rotated; unset if never.
       */
      secretRotateTime?: string;
      /**
       * Format: date-time
       * @description Until when the previous secret still verifies; unset when no grace period is running.
       */
      previousSecretExpireTime?: string;
      /**
       * Format: date-time
       * @description When the endpoint was created.
       */
      createTime?: string;
    };
    /** @description A verified provider event, stored sealed because payloads may hold personal data. */
    "patchbay.v1.WebhookEvent": {
      /** @description Event id, a UUID. */
      id: string;
      /** @description Endpoint that received it. */
      endpointId: string;
      /** @description Provider, as WebhookEndpoint.provider. */
      provider: string;
      /** @description The provider's own id used for dedupe (Telegram update_id, X-GitHub-Delivery, Stripe event id, ...). */
      providerEventId: string;
      /** @description Normalized "<provider>.<type>[.<action>]", e.g. "github.issues.opened", "stripe.invoice.paid". */
      eventKey: string;
      /**
       * Format: date-time
       * @description When Patchbay received and verified it.
       */
      receiveTime?: string;
      /** @description Id of the job created for it. */
      jobId: string;
      /** @description That job's current state, as Job.state. */
      jobState: string;
      /** @description The provider's event body as JSON (form bodies become objects). Only returned to callers holding "webhooks:payload"; unset otherwise. */
      payload?: {
        [key: string]: unknown;
      };
    };
  };
  responses: {
    /** @description An error with code `invalid_argument`, `failed_precondition` or `out_of_range`. */
    Error400: {
      headers: {
        "x-patchbay-error": components["headers"]["x-patchbay-error"];
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /** @description An error with code `unauthenticated`. */
    Error401: {
      headers: {
        "x-patchbay-error": components["headers"]["x-patchbay-error"];
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /** @description An error with code `permission_denied`. */
    Error403: {
      headers: {
        "x-patchbay-error": components["headers"]["x-patchbay-error"];
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /** @description An error with code `not_found`. */
    Error404: {
      headers: {
        "x-patchbay-error": components["headers"]["x-patchbay-error"];
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /** @description An error with code `resource_exhausted`. */
    Error429: {
      headers: {
        "x-patchbay-error": components["headers"]["x-patchbay-error"];
        "Retry-After": components["headers"]["Retry-After"];
        "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
        "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
        "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /** @description An error with code `unknown`, `internal` or `data_loss`. */
    Error500: {
      headers: {
        "x-patchbay-error": components["headers"]["x-patchbay-error"];
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /** @description An error with code `unavailable`. */
    Error503: {
      headers: {
        "x-patchbay-error": components["headers"]["x-patchbay-error"];
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /**
     * @description Any other error. Its HTTP status follows its code:
     *
     *     | code | HTTP status |
     *     | --- | --- |
     *     | `canceled` | 499 |
     *     | `unknown` | 500 |
     *     | `invalid_argument` | 400 |
     *     | `deadline_exceeded` | 504 |
     *     | `not_found` | 404 |
     *     | `already_exists` | 409 |
     *     | `permission_denied` | 403 |
     *     | `resource_exhausted` | 429 |
     *     | `failed_precondition` | 400 |
     *     | `aborted` | 409 |
     *     | `out_of_range` | 400 |
     *     | `unimplemented` | 501 |
     *     | `internal` | 500 |
     *     | `unavailable` | 503 |
     *     | `data_loss` | 500 |
     *     | `unauthenticated` | 401 |
     */
    Error: {
      headers: {
        "x-patchbay-error": components["headers"]["x-patchbay-error"];
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
  };
  parameters: never;
  requestBodies: never;
  headers: {
    /** @description Short operator-safe message, same as body.message. */
    "x-patchbay-error": string;
    /** @description Requests the API key's tier allows per window. */
    "X-RateLimit-Limit": number;
    /** @description Requests left in the current window. */
    "X-RateLimit-Remaining": number;
    /** @description Unix time, in seconds, when the current window ends and the limit resets. */
    "X-RateLimit-Reset": number;
    /** @description Seconds to wait before retrying (RFC 9110 section 10.2.3). */
    "Retry-After": number;
  };
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  AgentService_ListAgents: {
    parameters: {
      query?: {
        /** @description Only this pool's agents; empty for every pool. */
        pool?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.agent.v1.ListAgentsResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ApiKeyService_ListApiKeys: {
    parameters: {
      query?: {
        /** @description Maximum keys per page. Default 50, max 200; larger values are clamped. */
        pageSize?: number;
        /** @description Opaque token from a previous response's next_page_token; empty for the first page. */
        pageToken?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.ListApiKeysResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ApiKeyService_CreateApiKey: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["patchbay.v1.CreateApiKeyRequest"];
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.CreateApiKeyResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ApiKeyService_RevokeApiKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The key's id (a UUID) or its visible prefix (`pb_` and 9 more characters). */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": Record<string, never>;
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.RevokeApiKeyResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ApiKeyService_RotateApiKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The key to replace: its id (a UUID) or its visible prefix (`pb_` and 9 more characters). */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": {
          /** @description How long the old key keeps working beside the new one, in seconds: unset means 86400 (one day), 0 ends it at once, at most 604800 (7 days). */
          overlapSeconds?: number;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.RotateApiKeyResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  CatalogService_ListConnectors: {
    parameters: {
      query?: {
        /** @description Maximum connectors per page. Default 50, max 200; larger values are clamped. */
        pageSize?: number;
        /** @description Opaque token from a previous response's next_page_token; empty for the first page. */
        pageToken?: string;
        /** @description Case-insensitive substring match on slug, name, description and tags; empty matches all. */
        q?: string;
        /** @description Only connectors in this category; empty matches all. */
        category?: string;
        /** @description Only this auth type: "oauth", "api_key" or "none"; empty matches all. */
        authType?: "oauth" | "api_key" | "none";
        /** @description Only this availability: "available", "coming_soon", "not_configured" or "disabled"; empty matches all. */
        availability?: "available" | "coming_soon" | "not_configured" | "disabled";
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.ListConnectorsResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  CatalogService_CreateConnector: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["patchbay.v1.CreateConnectorRequestInput"];
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.CreateConnectorResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  CatalogService_GetConnector: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Slug of the connector. */
        slug: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.GetConnectorResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  CatalogService_UpdateConnector: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Slug of the connector to update; the slug, type and execution model cannot change. */
        slug: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": {
          /** @description New display name. */
          displayName?: string;
          /** @description New one-line summary. */
          description?: string;
          /** @description New semver version. Must clear the bump floor implied by the schema diff; leave unset with auto_bump to let the server pick it. */
          version?: string;
          /** @description New catalog grouping. */
          category?: string;
          /** @description New tags. A repeated field has no presence, so an empty list keeps the current tags. */
          tags?: string[];
          /** @description New schema; compared with the current one to compute the required version bump. */
          configSchema?: components["schemas"]["patchbay.v1.ConfigSchemaInput"];
          /** @description New script source ("script" only). */
          scriptSource?: string;
          /** @description New service base URL ("external" only). */
          endpointUrl?: string;
          /**
           * @description New external protocol: "grpc", "connect" or "http" ("external" only).
           * @enum {string}
           */
          protocol?: "grpc" | "connect" | "http";
          /** @description Replacement instance secrets. Write-only; when unset the stored config is kept. */
          config?: {
            [key: string]: unknown;
          };
          /** @description Replacement OpenAPI document, JSON or YAML text ("openapi" only); commands are re-derived from it. */
          openapiDocument?: string;
          /** @description New operationId or command-name subset ("openapi" only); an empty list keeps the current subset (every operation of the new document when the connector was imported whole). */
          operations?: string[];
          /** @description Let the server pick the version: the current one bumped by required_bump. A `version` set alongside is kept when it already clears the floor. */
          autoBump?: boolean;
          /** @description Set ("default", "empty", ...) or clear ("") connector-level mock mode; unset keeps it. At most 64 characters, letters, digits, "_" and "-". */
          mockScenario?: string;
          /** @description Turn keeping params and payloads in execution records on or off; unset keeps it. */
          recordPayloads?: boolean;
          /** @description Replace a script connector's sandbox limits; unset keeps them. */
          scriptLimits?: components["schemas"]["patchbay.v1.ScriptLimitsInput"];
          /** @description Publish to every tenant (admin keys of the operator's tenant only), or withdraw (admin keys of its own tenant). Withdrawing is refused with failed_precondition while another tenant's live connections use the connector. */
          published?: boolean;
          /** @description Set ("dc-1") or clear ("") the agent pool its HTTP requests travel through; unset keeps it. An external connector needs protocol http or connect for it, and is checked again along its new route. */
          agentPool?: string;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.UpdateConnectorResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  CatalogService_DeleteConnector: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Slug of the connector to delete. */
        slug: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.DeleteConnectorResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  CatalogService_GetCapabilities: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Slug of the connector. */
        slug: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.GetCapabilitiesResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  CatalogService_ListConnectorVersions: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Slug of the connector. */
        slug: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.ListConnectorVersionsResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  CatalogService_ParseOpenApi: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["patchbay.v1.ParseOpenApiRequest"];
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.ParseOpenApiResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ConnectionService_ListConnections: {
    parameters: {
      query?: {
        /** @description Maximum connections per page. Default 50, max 200; larger values are clamped. */
        pageSize?: number;
        /** @description Opaque token from a previous response's next_page_token; empty for the first page. */
        pageToken?: string;
        /** @description Only connections to this connector; empty matches all. */
        connectorSlug?: string;
        /** @description Only this status: "pending", "active", "error" or "revoked"; empty matches all. A revoked connection is deleted and never listed, so "revoked" matches none. */
        status?: "pending" | "active" | "error" | "revoked";
        /** @description Case-insensitive substring match on the label and the connector slug; empty matches all. */
        q?: string;
        /** @description The order, AIP-132 style: "create_time desc" (newest first, the default when empty) or "create_time" / "create_time asc" (oldest first); ties are broken by id. A page token is bound to the order it was made under. REST also takes `?sort=created_at&order=desc`. */
        orderBy?: "create_time" | "create_time asc" | "create_time desc";
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.ListConnectionsResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ConnectionService_StartConnection: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["patchbay.v1.StartConnectionRequest"];
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.StartConnectionResponse"];
        };
      };
      /** @description Created */
      201: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.StartConnectionResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ConnectionService_GetConnection: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Connection UUID. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.GetConnectionResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ConnectionService_DeleteConnection: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Connection UUID. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.DeleteConnectionResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ConnectionService_SubmitCredentials: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Connection UUID. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": {
          /** @description Credential values keyed by CredentialField.key. Write-only: encrypted at rest, redacted in logs, never returned. Unknown keys are rejected. */
          credentials?: {
            [key: string]: unknown;
          };
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.SubmitCredentialsResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ConnectionService_GetOAuthStatus: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Connection UUID. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.GetOAuthStatusResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ConnectionService_RestartOAuth: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Connection UUID. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": {
          /** @description Ask the provider to show its account picker (prompt=select_account where supported). */
          selectAccount?: boolean;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.RestartOAuthResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ConnectionService_StartOAuth: {
    parameters: {
      query: {
        /** @description Slug of an "oauth" connector; required. */
        slug: string;
        /** @description Ask the provider to show its account picker. */
        selectAccount?: boolean;
        /** @description Optional label for the new connection. */
        label?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.StartOAuthResponse"];
        };
      };
      /** @description Found: a redirect instead of the body. */
      302: {
        headers: {
          /** @description Where to go next. */
          Location?: string;
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ConnectionService_OpenOAuthLink: {
    parameters: {
      query: {
        /** @description The signed link token of an oauth_link_url; required. */
        token: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "*/*": string;
        };
      };
      /** @description Found: a redirect instead of the body. */
      302: {
        headers: {
          /** @description Where to go next. */
          Location?: string;
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components["responses"]["Error400"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ConnectionService_CompleteOAuth: {
    parameters: {
      query?: {
        /** @description Opaque single-use state Patchbay issued; binds the callback to a pending connection (CSRF guard). */
        state?: string;
        /** @description Authorization code to exchange; empty when the provider reports an error. */
        code?: string;
        /** @description Provider error code, e.g. "access_denied"; empty on success. */
        error?: string;
        /** @description Provider's error text. Logged only after redaction and never echoed into the page. */
        errorDescription?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "*/*": string;
        };
      };
      400: components["responses"]["Error400"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ConnectionService_RefreshConnection: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Connection UUID. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": Record<string, never>;
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.RefreshConnectionResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ExecuteService_Execute: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /**
         * @description UUID of an active connection owned by the caller; its decrypted credentials reach the connector.
         *
         *     Part of oneof `target`: set exactly one of `connectionId`, `connectorSlug`.
         */
        connection_id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": {
          /**
           * @description Slug of a connector with auth type "none", which needs no connection.
           *
           *     Part of oneof `target`: set exactly one of `connectionId`, `connectorSlug`.
           */
          connectorSlug?: string;
          /** @description Command name, one of the connector's tools; required unless the connector has a default command. */
          command?: string;
          /** @description Command parameters, checked against the command's param schema; defaults are filled in. */
          params?: {
            [key: string]: unknown;
          };
          /** @description The caller's current run variables, readable by the connector; not changed by Patchbay. */
          variables?: {
            [key: string]: unknown;
          };
          /** @description Correlation, timeout and idempotency settings; optional. */
          metadata?: components["schemas"]["patchbay.v1.ExecuteMetadata"];
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.ExecuteResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ExecuteService_Execute_1: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /**
         * @description Slug of a connector with auth type "none", which needs no connection.
         *
         *     Part of oneof `target`: set exactly one of `connectionId`, `connectorSlug`.
         */
        connector_slug: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": {
          /**
           * Format: uuid
           * @description UUID of an active connection owned by the caller; its decrypted credentials reach the connector.
           *
           *     Part of oneof `target`: set exactly one of `connectionId`, `connectorSlug`.
           */
          connectionId?: string;
          /** @description Command name, one of the connector's tools; required unless the connector has a default command. */
          command?: string;
          /** @description Command parameters, checked against the command's param schema; defaults are filled in. */
          params?: {
            [key: string]: unknown;
          };
          /** @description The caller's current run variables, readable by the connector; not changed by Patchbay. */
          variables?: {
            [key: string]: unknown;
          };
          /** @description Correlation, timeout and idempotency settings; optional. */
          metadata?: components["schemas"]["patchbay.v1.ExecuteMetadata"];
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.ExecuteResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ExecuteService_ListExecutions: {
    parameters: {
      query?: {
        /** @description Maximum executions per page. Default 50, max 200; larger values are clamped. */
        pageSize?: number;
        /** @description Opaque token from a previous response's next_page_token; empty for the first page. */
        pageToken?: string;
        /** @description Only runs of this connector; empty matches all. */
        connectorSlug?: string;
        /** @description Only runs on this connection UUID; empty matches all. */
        connectionId?: string;
        /** @description Only "succeeded" or "failed" runs; empty matches all. */
        status?: "succeeded" | "failed" | "running";
        /** @description Only runs whose create_time is at or after this instant (RFC 3339 in JSON and query strings). */
        startTime?: string;
        /** @description Only runs whose create_time is before this instant (exclusive). */
        endTime?: string;
        /** @description Case-insensitive substring match on the connector slug, the command and the error code; empty matches all. */
        q?: string;
        /** @description The order, AIP-132 style: "create_time desc" (newest first, the default when empty) or "create_time" / "create_time asc" (oldest first); ties are broken by id. A page token is bound to the order it was made under. REST also takes `?sort=created_at&order=desc`. */
        orderBy?: "create_time" | "create_time asc" | "create_time desc";
        /** @description Only runs of this command, by its exact name (e.g. "sendMessage"); empty matches all. */
        command?: string;
        /** @description Only failed runs with this stable error code, exactly as recorded (e.g. "UPSTREAM_RATE_LIMITED"); empty matches all. */
        errorCode?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.ListExecutionsResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  ExecuteService_GetExecution: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Execution UUID. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.GetExecutionResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  WebhookService_ListEndpoints: {
    parameters: {
      query?: {
        /** @description Maximum endpoints per page. Default 50, max 200; larger values are clamped. */
        pageSize?: number;
        /** @description Opaque token from a previous response's next_page_token; empty for the first page. */
        pageToken?: string;
        /** @description Only this provider; empty matches all. */
        provider?: string;
        /** @description Only endpoints of this connector; empty matches all. */
        connectorSlug?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.ListEndpointsResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  WebhookService_CreateEndpoint: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["patchbay.v1.CreateEndpointRequest"];
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.CreateEndpointResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  WebhookService_GetEndpoint: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Endpoint UUID. */
        endpoint_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.GetEndpointResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  WebhookService_DeleteEndpoint: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Endpoint UUID. */
        endpoint_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.DeleteEndpointResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  WebhookService_RotateEndpointSecret: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Endpoint UUID. */
        endpoint_id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": {
          /** @description The new provider secret; required. Write-only. */
          secret: string;
          /** @description How long the previous secret keeps verifying, in seconds; 0 cuts over at once. Max 604800 (7 days). */
          gracePeriodSeconds?: number;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.RotateEndpointSecretResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  WebhookService_VerifyEndpoint: {
    parameters: {
      query?: {
        /** @description Always "subscribe" for a subscription check. */
        "hub.mode"?: string;
        /** @description Value to echo back (Meta sends an integer as text). */
        "hub.challenge"?: string;
        /** @description Must equal the endpoint's configured verify token. */
        "hub.verifyToken"?: string;
      };
      header?: never;
      path: {
        /** @description Provider from the URL; must match the endpoint's provider. */
        provider: string;
        /** @description Endpoint UUID from the URL. */
        endpoint_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "*/*": string;
        };
      };
      400: components["responses"]["Error400"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  WebhookService_ReceiveEvent: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Provider from the URL; must match the endpoint's provider. */
        provider: string;
        /** @description Endpoint UUID from the URL. */
        endpoint_id: string;
      };
      cookie?: never;
    };
    /** @description The raw request body, passed through byte for byte with its Content-Type. */
    requestBody?: {
      content: {
        "*/*": string;
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "*/*": string;
        };
      };
      /** @description No Content */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components["responses"]["Error400"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  WebhookService_ListEvents: {
    parameters: {
      query?: {
        /** @description Maximum events per page. Default 50, max 200; larger values are clamped. */
        pageSize?: number;
        /** @description Opaque token from a previous response's next_page_token; empty for the first page. */
        pageToken?: string;
        /** @description Only events whose key equals this or starts with it plus "." ("github.issues" matches "github.issues.opened"); empty matches all. */
        eventKey?: string;
      };
      header?: never;
      path: {
        /** @description Endpoint UUID. */
        endpoint_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.ListEventsResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  WebhookService_ListJobs: {
    parameters: {
      query?: {
        /** @description Maximum jobs per page. Default 50, max 200; larger values are clamped. */
        pageSize?: number;
        /** @description Opaque token from a previous response's next_page_token; empty for the first page. */
        pageToken?: string;
        /** @description Only jobs in this state (see Job.state); empty matches all. */
        state?: "queued" | "retrying" | "running" | "succeeded" | "dead";
        /** @description Only jobs from this endpoint UUID; empty matches all. */
        endpointId?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.ListJobsResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  WebhookService_RetryJob: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Job UUID. */
        job_id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": Record<string, never>;
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.RetryJobResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  WebhookService_ClaimJobs: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["patchbay.v1.ClaimJobsRequest"];
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.ClaimJobsResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  WebhookService_AckJob: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Job UUID. */
        job_id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": {
          /** @description Lease token from ClaimJobs. */
          leaseToken?: string;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.AckJobResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
  WebhookService_NackJob: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Job UUID. */
        job_id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": {
          /** @description Lease token from ClaimJobs. */
          leaseToken?: string;
          /** @description Operator-safe failure code recorded as Job.last_error_code, e.g. "CONSUMER_TIMEOUT". */
          errorCode?: string;
          /** @description Delay before the next attempt in seconds; 0 uses the server's exponential backoff. */
          retryAfterSeconds?: number;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
          "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
          "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["patchbay.v1.NackJobResponse"];
        };
      };
      400: components["responses"]["Error400"];
      401: components["responses"]["Error401"];
      403: components["responses"]["Error403"];
      404: components["responses"]["Error404"];
      429: components["responses"]["Error429"];
      500: components["responses"]["Error500"];
      503: components["responses"]["Error503"];
      default: components["responses"]["Error"];
    };
  };
}
