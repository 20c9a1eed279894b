import { sqlDate } from "../sql-date.ts";
/** Target of an endpoint's jobs, as stored (`target` jsonb; the HTTPS signing secret is sealed apart). */
export type StoredTarget =
  | { kind: "pull" }
  | { kind: "https"; url: string }
  /** `subject`: the connection's owner, whom the command runs as. */
  | { kind: "command"; connectionId: string; command: string; subject: string };

/** A row of `webhook_endpoints`. */
export interface EndpointRow {
  readonly id: string;
  readonly tenantId: string;
  readonly provider: string;
  readonly connectorSlug: string;
  readonly connectionId: string | null;
  readonly sealedSecret: string;
  readonly sealedPreviousSecret: string | null;
  readonly previousSecretExpiresAt: Date | null;
  readonly secretRotatedAt: Date | null;
  readonly sealedVerifyToken: string | null;
  readonly verified: boolean;
  readonly target: StoredTarget;
  readonly sealedSigningSecret: string | null;
  readonly duplicateCount: number;
  readonly rejectedCount: number;
  readonly lastEventAt: Date | null;
  readonly lastErrorCode: string | null;
  readonly lastErrorAt: Date | null;
  readonly createdAt: Date;
}

/** The columns {@link endpointFromSql} reads, in SQL. */
export const ENDPOINT_COLUMNS =
  "id, tenant_id, provider, connector_slug, connection_id, sealed_secret, sealed_previous_secret, previous_secret_expires_at, secret_rotated_at, sealed_verify_token, verified, target, sealed_signing_secret, duplicate_count, rejected_count, last_event_at, last_error_code, last_error_at, created_at";

const date = (value: unknown): Date | null => sqlDate(value) ?? null;

/** Maps one selected row (snake_case, as both drivers return it) to an {@link EndpointRow}. */
export function endpointFromSql(row: Record<string, unknown>): EndpointRow {
  const target = (typeof row.target === "string" ? JSON.parse(row.target) : row.target) as StoredTarget;
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id),
    provider: String(row.provider),
    connectorSlug: String(row.connector_slug),
    connectionId: row.connection_id === null ? null : String(row.connection_id),
    sealedSecret: String(row.sealed_secret),
    sealedPreviousSecret: row.sealed_previous_secret === null ? null : String(row.sealed_previous_secret),
    previousSecretExpiresAt: date(row.previous_secret_expires_at),
    secretRotatedAt: date(row.secret_rotated_at),
    sealedVerifyToken: row.sealed_verify_token === null ? null : String(row.sealed_verify_token),
    verified: row.verified === true,
    target,
    sealedSigningSecret: row.sealed_signing_secret === null ? null : String(row.sealed_signing_secret),
    duplicateCount: Number(row.duplicate_count),
    rejectedCount: Number(row.rejected_count),
    lastEventAt: date(row.last_event_at),
    lastErrorCode: row.last_error_code === null ? null : String(row.last_error_code),
    lastErrorAt: date(row.last_error_at),
    createdAt: date(row.created_at) as Date,
  };
}

/** Sealing contexts (bound as associated data); WEBHOOK_SEALED_COLUMNS re-seals with these same functions. */
export const endpointSecretContext = (id: string): string => `webhook-endpoint:${id}:secret`;
export const verifyTokenContext = (id: string): string => `webhook-endpoint:${id}:verify-token`;
export const signingSecretContext = (id: string): string => `webhook-endpoint:${id}:signing-secret`;
export const eventPayloadContext = (id: string): string => `webhook-event:${id}:payload`;
