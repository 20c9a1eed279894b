import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRouterTransport, type Transport } from "@connectrpc/connect";
import { createLogger } from "../../src/logging/logger.ts";
import { createSecretBox } from "../../src/secrets/index.ts";
import { createInterceptors } from "../../src/server/app.ts";
import { buildServices, type Services } from "../../src/server/build-services.ts";
import { openInfrastructure } from "../../src/server/open-infrastructure.ts";
import { routes } from "../../src/server/routes.ts";
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
    const masterKey = randomBytes(32);
    const now = () => new Date();
    const infra = await openInfrastructure(
      {
        databaseUrl: pg.url,
        dataDir,
        dbPoolMax: 4,
        dbStatementTimeoutMs: 30_000,
        egressAllow: [],
        scriptProcesses: 1,
        scriptQueueMax: 100,
        publicUrl: "http://127.0.0.1:1",
        googleJwksUrl: "http://127.0.0.1:1/jwks",
        jobSuperviseSeconds: 60,
        webhookCommitWaitMs: 10,
        webhookAllowInsecureCallbacks: false,
      },
      { logger, secretBox: createSecretBox([masterKey]), pageTokenKey: masterKey, now, opened },
    );
    const services = buildServices(
      infra,
      {
        publicUrl: "http://127.0.0.1:1",
        oauthClients: new Map(),
        oauthRefreshMarginSeconds: 300,
        oauthAllowLoopbackHttp: true,
        rateLimits: undefined,
      },
      new AbortController().signal,
    );
    const ready = async () => true;
    const interceptors = createInterceptors({
      logger,
      keys: infra.keys,
      services,
      db: infra.db,
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
        return (await infra.keys.create({ tenantId, subject, name: "in-process", scopes })).key;
      },
      close: () => stack.disposeAsync(),
    };
  } catch (error) {
    await opened.disposeAsync();
    throw error;
  }
}
