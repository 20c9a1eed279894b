import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type ApiKey, ApiKeySchema } from "../../gen/patchbay/v1/api_keys_pb.ts";
import { type ApiKeyInfo, apiKeyState } from "./api-key-info.ts";

/**
 * The API view of a key: the one place a key becomes a message. An {@link ApiKeyInfo} holds neither the
 * key nor its hash, so no response made here can carry either.
 */
export function toApiKeyMessage(info: ApiKeyInfo, now: Date): ApiKey {
  const state = apiKeyState(info, now);
  return create(ApiKeySchema, {
    id: info.id,
    tenantId: info.tenantId,
    subject: info.subject,
    name: info.name,
    prefix: info.prefix,
    scopes: [...info.scopes],
    tier: info.rateTier,
    state,
    createTime: timestampFromDate(info.createdAt),
    ...(info.lastUsedAt ? { lastUsedTime: timestampFromDate(info.lastUsedAt) } : {}),
    ...(info.expiresAt ? { expireTime: timestampFromDate(info.expiresAt) } : {}),
    // An expired key that was revoked later (by the expiry sweep, or by hand) shows as expired, not revoked.
    ...(info.revokedAt && state === "revoked" ? { revokeTime: timestampFromDate(info.revokedAt) } : {}),
    replacedBy: info.replacedBy ?? "",
    agentPool: info.agentPool ?? "",
  });
}
