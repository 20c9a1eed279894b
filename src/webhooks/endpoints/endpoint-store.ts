import { type NativeQuery, rowsOf } from "../../db/index.ts";
import { type KeysetPage, keysetSql } from "../../paging/index.ts";
import { ENDPOINT_COLUMNS, type EndpointRow, endpointFromSql, type StoredTarget } from "./endpoint-row.ts";

/** The channel endpoint changes are announced on; the payload is the endpoint's id. */
export const ENDPOINT_CHANNEL = "patchbay_webhook_endpoints";

/** A new endpoint's row, its secrets sealed. */
export interface EndpointInsert {
  readonly id: string;
  readonly tenantId: string;
  readonly provider: string;
  readonly connectorSlug: string;
  readonly connectionId: string | null;
  readonly sealedSecret: string;
  readonly sealedVerifyToken: string | null;
  /** False until a provider's handshake proves the setup (WhatsApp). */
  readonly verified: boolean;
  readonly target: StoredTarget;
  readonly sealedSigningSecret: string | null;
  readonly createdAt: Date;
}

/** A change to one endpoint that affects which deliveries it accepts (announced to every replica). */
export type EndpointChange =
  | { readonly kind: "delete"; readonly at: Date }
  /** The previous secret is kept (and still accepted) until `previousSecretExpiresAt`, if set. */
  | {
      readonly kind: "rotate-secret";
      readonly sealedSecret: string;
      readonly sealedPreviousSecret: string | null;
      readonly previousSecretExpiresAt: Date | null;
      readonly at: Date;
    }
  | { readonly kind: "replace-secret"; readonly sealedSecret: string }
  /** A successful handshake: earlier failed attempts no longer make the endpoint "failing". */
  | { readonly kind: "verified" };

/** Delivery counts summed since the last write (see `createDeliveryCounters`). */
export interface EndpointCounts {
  readonly duplicate: number;
  readonly rejected: number;
  readonly lastEventAt: Date | null;
  readonly lastErrorCode: string | null;
  readonly lastErrorAt: Date | null;
}

/** Filters of {@link EndpointStore.list}; "" matches any. */
export interface EndpointFilter {
  readonly provider: string;
  readonly connectorSlug: string;
}

/** Every statement on `webhook_endpoints`. */
export interface EndpointStore {
  /** The tenant's live (not deleted) endpoint. */
  find(tenantId: string, id: string): Promise<EndpointRow | undefined>;
  /** The live endpoint, whichever tenant's: for the receiver and deliveries, which know only its id. */
  findLive(id: string): Promise<EndpointRow | undefined>;
  /** One page of the tenant's live endpoints, newest first. */
  list(
    tenantId: string,
    filter: EndpointFilter,
    page: KeysetPage,
  ): Promise<{ page: EndpointRow[]; next: string }>;
  /** The ids of the tenant's live pull endpoints, oldest first. */
  pullEndpointIds(tenantId: string): Promise<string[]>;
  insert(endpoint: EndpointInsert): Promise<void>;
  /**
   * Writes a change and announces it (NOTIFY) in the same statement, so the announcement goes out
   * exactly when the change commits. Use `changeEndpoint`, which also waits out this replica's deliveries.
   */
  change(id: string, change: EndpointChange): Promise<void>;
  /** Adds delivery counts to an endpoint's row. */
  addCounts(id: string, counts: EndpointCounts): Promise<void>;
}

/** The statement of each change kind: `$1` is the endpoint's id. */
function changeStatement(change: EndpointChange): { text: string; values: unknown[] } {
  switch (change.kind) {
    case "delete":
      return { text: "update webhook_endpoints set deleted_at = $2 where id = $1", values: [change.at] };
    case "rotate-secret":
      return {
        text: `update webhook_endpoints set sealed_previous_secret = $2, previous_secret_expires_at = $3,
           sealed_secret = $4, secret_rotated_at = $5 where id = $1`,
        values: [change.sealedPreviousSecret, change.previousSecretExpiresAt, change.sealedSecret, change.at],
      };
    case "replace-secret":
      return {
        text: "update webhook_endpoints set sealed_secret = $2 where id = $1",
        values: [change.sealedSecret],
      };
    case "verified":
      return {
        text: "update webhook_endpoints set verified = true, last_error_code = null, last_error_at = null where id = $1",
        values: [],
      };
  }
}

/** The webhook endpoints' SQL, on `query`. */
export function createEndpointStore(query: NativeQuery): EndpointStore {
  async function one(text: string, values: readonly unknown[]): Promise<EndpointRow | undefined> {
    const row = rowsOf(await query(text, values))[0];
    return row === undefined ? undefined : endpointFromSql(row);
  }

  return {
    find(tenantId, id) {
      return one(
        `select ${ENDPOINT_COLUMNS} from webhook_endpoints where id = $1 and tenant_id = $2 and deleted_at is null`,
        [id, tenantId],
      );
    },

    findLive(id) {
      return one(`select ${ENDPOINT_COLUMNS} from webhook_endpoints where id = $1 and deleted_at is null`, [
        id,
      ]);
    },

    async list(tenantId, filter, page) {
      const sql = keysetSql(page, { at: "created_at", id: "id" });
      const values: unknown[] = [tenantId, filter.provider, filter.connectorSlug];
      const result = await query(
        `select ${ENDPOINT_COLUMNS}, ${sql.select} from webhook_endpoints
          where tenant_id = $1 and deleted_at is null and ($2 = '' or provider = $2) and ($3 = '' or connector_slug = $3)
          ${sql.after(values)}
          order by created_at desc, id desc ${sql.limit(values)}`,
        values,
      );
      const found = page.finish(rowsOf(result), sql.cursorOf);
      return { page: found.page.map(endpointFromSql), next: found.next };
    },

    async pullEndpointIds(tenantId) {
      const result = await query(
        "select id from webhook_endpoints where tenant_id = $1 and target_kind = 'pull' and deleted_at is null order by created_at",
        [tenantId],
      );
      return rowsOf(result).map((row) => String(row.id));
    },

    async insert(endpoint) {
      await query(
        `insert into webhook_endpoints (id, tenant_id, provider, connector_slug, connection_id, sealed_secret,
           sealed_verify_token, verified, target_kind, target, sealed_signing_secret, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          endpoint.id,
          endpoint.tenantId,
          endpoint.provider,
          endpoint.connectorSlug,
          endpoint.connectionId,
          endpoint.sealedSecret,
          endpoint.sealedVerifyToken,
          endpoint.verified,
          endpoint.target.kind,
          JSON.stringify(endpoint.target),
          endpoint.sealedSigningSecret,
          endpoint.createdAt,
        ],
      );
    },

    async change(id, change) {
      const { text, values } = changeStatement(change);
      await query(
        `with changed as (${text} returning id) select pg_notify('${ENDPOINT_CHANNEL}', id::text) from changed`,
        [id, ...values],
      );
    },

    async addCounts(id, counts) {
      await query(
        `update webhook_endpoints set
           duplicate_count = duplicate_count + $2,
           rejected_count = rejected_count + $3,
           last_event_at = case when $4::timestamptz is null then last_event_at
                                else greatest(coalesce(last_event_at, $4::timestamptz), $4::timestamptz) end,
           last_error_code = coalesce($5, last_error_code),
           last_error_at = coalesce($6::timestamptz, last_error_at)
         where id = $1`,
        [id, counts.duplicate, counts.rejected, counts.lastEventAt, counts.lastErrorCode, counts.lastErrorAt],
      );
    },
  };
}
