import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { ApiKeyService } from "../../gen/patchbay/v1/api_keys_pb.ts";
import { keysetPage, type PageTokens, resolvePageSize } from "../paging/index.ts";
import { type ApiKeyAdmin, type KeyAdminCaller, refuseReplacedKey } from "./api-key-admin.ts";
import { toApiKeyMessage } from "./api-key-message.ts";
import { ApiKeyInputError } from "./api-key-rules.ts";
import { requirePrincipal } from "./principal.ts";

/** What ApiKeyService needs. */
export interface ApiKeyServiceDeps {
  admin: ApiKeyAdmin;
  pageTokens: PageTokens;
  /** The clock, set once by the composition root (tests pass their own). */
  now: () => Date;
}

const PAGE_SCOPE = "api-keys";

/** Bad input the key rules found, as the INVALID_ARGUMENT every service answers it with. */
async function checked<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiKeyInputError) throw new ConnectError(error.message, Code.InvalidArgument);
    throw error;
  }
}

/** Registers `patchbay.v1.ApiKeyService`: the calling admin key manages its own tenant's keys. */
export function registerApiKeys(router: ConnectRouter, deps: ApiKeyServiceDeps): void {
  const { admin, pageTokens } = deps;
  const now = deps.now;
  // Every RPC answers a replaced key the same refusal before it reads its request.
  const callerOf = (ctx: Parameters<typeof requirePrincipal>[0]) => {
    const caller = { kind: "key", principal: requirePrincipal(ctx) } satisfies KeyAdminCaller;
    refuseReplacedKey(caller);
    return caller;
  };

  router.service(ApiKeyService, {
    async createApiKey(req, ctx) {
      const caller = callerOf(ctx);
      const created = await checked(() =>
        admin.create(caller, {
          subject: req.subject,
          name: req.name,
          scopes: req.scopes,
          tier: req.tier,
          ...(req.agentPool === "" ? {} : { agentPool: req.agentPool }),
          ...(req.expireTime === undefined ? {} : { expiresAt: timestampDate(req.expireTime) }),
        }),
      );
      return { apiKey: toApiKeyMessage(created.info, now()), key: created.key };
    },

    async listApiKeys(req, ctx) {
      const caller = callerOf(ctx);
      const { principal } = caller;
      const size = resolvePageSize(req.pageSize);
      // Bound to the tenant, so that a token never works for another tenant's list. The page size is
      // no filter: a client may change it between pages.
      const filter = { tenantId: principal.tenantId };
      const { after } = keysetPage(pageTokens, {
        scope: PAGE_SCOPE,
        filter,
        pageToken: req.pageToken,
        pageSize: size,
      });
      // The admin reads the page (the CLI lists with it too); the token is the service's.
      const page = await admin.list(caller, { size, ...(after === undefined ? {} : { after }) });
      const at = now();
      return {
        apiKeys: page.keys.map((info) => toApiKeyMessage(info, at)),
        nextPageToken: page.next === undefined ? "" : pageTokens.encode(PAGE_SCOPE, filter, { ...page.next }),
      };
    },

    async revokeApiKey(req, ctx) {
      const caller = callerOf(ctx);
      const revoked = await checked(() => admin.revoke(caller, req.id));
      return { apiKey: toApiKeyMessage(revoked, now()) };
    },

    async rotateApiKey(req, ctx) {
      const caller = callerOf(ctx);
      const rotated = await checked(() => admin.rotate(caller, req.id, req.overlapSeconds));
      const at = now();
      return {
        apiKey: toApiKeyMessage(rotated.info, at),
        key: rotated.key,
        previous: toApiKeyMessage(rotated.previous, at),
      };
    },
  });
}
