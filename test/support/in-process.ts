import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRouterTransport, type Transport } from "@connectrpc/connect";
import { createApiKeyStore } from "../../src/auth/index.ts";
import { BUILTIN_CATALOG, syncBuiltinCatalog } from "../../src/catalog/index.ts";
import { createOpenApiImporter } from "../../src/connectors/openapi/index.ts";
import { createSandbox } from "../../src/connectors/script/index.ts";
import { createNotificationListener, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createExecutionRecorder } from "../../src/execute/index.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createOutboundClient } from "../../src/outbound/index.ts";
import { createPageTokens } from "../../src/paging/index.ts";
import { createSecretBox } from "../../src/secrets/index.ts";
import { createInterceptors } from "../../src/server/app.ts";
import { buildServices, type Services } from "../../src/server/build-services.ts";
import { routes } from "../../src/server/routes.ts";
import { openWebhooks } from "../../src/webhooks/index.ts";
import { createTestDatabase } from "./postgres.ts";

/** Patchbay's services in this process, reached through a router transport (no port, no HTTP). */
export interface InProcess {
  /** Routes calls straight to the handlers, through the same interceptors as the server. */
  readonly transport: Transport;
  readonly services: Services;
  /** Creates an API key of `tenantId` (default "default") for `subject` with `scopes`; returns it. */
  createKey(scopes: string[], subject?: string, tenantId?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The test level between unit and end to end: the real composition (`buildServices`, `routes`, the
 * interceptor chain) over a real PostgreSQL database of its own, called through `createRouterTransport`.
 */
export async function startInProcess(): Promise<InProcess> {
  const logger = createLogger({ level: "silent", format: "json" });
  const opened = new AsyncDisposableStack();
  try {
    const pg = await createTestDatabase();
    opened.defer(() => pg.drop());
    const dataDir = await mkdtemp(join(tmpdir(), "patchbay-inprocess-"));
    opened.defer(() => rm(dataDir, { recursive: true, force: true }));
    const db = await openDatabase({ databaseUrl: pg.url, dataDir, poolMax: 4, logger, entities: ENTITIES });
    opened.defer(() => db.close());
    await db.migrate();
    const now = () => new Date();
    await syncBuiltinCatalog(db.em(), BUILTIN_CATALOG, now);
    const masterKey = randomBytes(32);
    const secretBox = createSecretBox([masterKey]);
    const pageTokens = createPageTokens(masterKey);
    const outbound = createOutboundClient({ allow: [] });
    opened.defer(() => outbound.close());
    const openapi = createOpenApiImporter();
    opened.defer(() => openapi.close());
    const sandbox = createSandbox({ processes: 1, queueMax: 100, egressAllow: [] });
    opened.defer(() => sandbox.close());
    const recorder = createExecutionRecorder(() => db.em(), logger);
    opened.defer(() => recorder.stop());
    const keys = createApiKeyStore(() => db.em(), now);
    const notifications = createNotificationListener({ db, logger });
    opened.defer(() => notifications.close());
    const webhooks = await openWebhooks({
      db,
      notifications,
      secretBox,
      pageTokens,
      logger,
      outbound,
      publicUrl: "http://127.0.0.1:1",
      googleJwksUrl: "http://127.0.0.1:1/jwks",
      superviseSeconds: 60,
      allowInsecureCallbacks: false,
      now,
    });
    opened.defer(() => webhooks.stop());
    const services = buildServices(
      {
        db,
        logger,
        secretBox,
        pageTokens,
        outbound,
        openapi,
        sandbox,
        recorder,
        keys,
        now,
        webhooks: webhooks.deps,
      },
      {
        publicUrl: "http://127.0.0.1:1",
        oauthClients: new Map(),
        oauthRefreshMarginSeconds: 300,
        oauthAllowLoopbackHttp: true,
        rateLimits: undefined,
      },
    );
    const ready = async () => true;
    const interceptors = createInterceptors({
      logger,
      keys,
      services,
      db,
      rateLimits: undefined,
      ready,
      maxBodyBytes: 1024 * 1024,
    });
    const transport = createRouterTransport((router) => routes(router, services, ready), {
      router: { interceptors },
    });
    const stack = opened.move();
    return {
      transport,
      services,
      async createKey(scopes, subject = "tester", tenantId = "default") {
        return (await keys.create({ tenantId, subject, name: "in-process", scopes })).key;
      },
      close: () => stack.disposeAsync(),
    };
  } catch (error) {
    await opened.disposeAsync();
    throw error;
  }
}
