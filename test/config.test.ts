import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

const key1 = Buffer.alloc(32, 1).toString("base64");
const key2 = Buffer.alloc(32, 2).toString("base64");

/** The ConfigError `loadConfig(env)` throws; fails the test when it throws something else or nothing. */
function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, false);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${Object.keys(env).join(", ")}`);
}

describe("loadConfig defaults", () => {
  const config = loadConfig({}, false);

  it("listens on 0.0.0.0:8080 without TLS", () => {
    expect(config.port).toBe(8080);
    expect(config.host).toBe("0.0.0.0");
    expect(config.tls).toBeUndefined();
  });

  it("uses the embedded database in .patchbay under the working directory", () => {
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe(resolve(".patchbay"));
    expect(config.masterKeys).toEqual([]);
    expect(config.adminKey).toBeUndefined();
  });

  it("derives the public URL from the port", () => {
    expect(config.publicUrl).toBe("http://localhost:8080");
    expect(loadConfig({ PATCHBAY_PORT: "9000" }, false).publicUrl).toBe("http://localhost:9000");
  });

  it("logs at info, with the documented limits", () => {
    expect(config.logLevel).toBe("info");
    expect(config.shutdownTimeoutMs).toBe(10_000);
    expect(config.maxBodyBytes).toBe(4 * 1024 * 1024);
    expect(config.maxOpenApiBytes).toBe(32 * 1024 * 1024);
    expect(config.dbPoolMax).toBe(10);
  });

  it("limits calls in flight per key, bounds statements and sheds load by default", () => {
    expect(config.concurrencyLimits).toEqual(
      new Map([
        ["standard", 32],
        ["bulk", 256],
      ]),
    );
    expect(config.dbStatementTimeoutMs).toBe(30_000);
    expect(config.shedEventLoopDelayMs).toBe(100);
    // As many waiting statements as the pool has connections.
    expect(config.shedDbWaiting).toBe(10);
    expect(loadConfig({ PATCHBAY_DB_POOL_MAX: "25" }, false).shedDbWaiting).toBe(25);
    expect(loadConfig({ PATCHBAY_CONCURRENCY_LIMITS: "off" }, false).concurrencyLimits).toBeUndefined();
  });

  it("allow-lists no egress destination", () => {
    expect(config.egressAllow).toEqual([]);
  });

  it("keeps execution records 30 days", () => {
    expect(config.executionRetentionDays).toBe(30);
    expect(config.scriptProcesses).toBe(Math.min(4, Math.max(1, availableParallelism())));
    expect(config.scriptQueueMax).toBe(256);
    expect(config.googleJwksUrl).toBe("https://www.googleapis.com/oauth2/v3/certs");
    expect(config.jobSuperviseSeconds).toBe(5);
    expect(config.webhookCommitWaitMs).toBe(10);
    expect(config.webhookAllowInsecureCallbacks).toBe(false);
  });

  it("serves metrics on the one port unless told otherwise, and refuses a clash of ports", () => {
    expect(config.metrics).toEqual({
      enabled: true,
      port: undefined,
      connectorLabels: "public",
      maxConnectors: 200,
      sampleMs: 15_000,
    });
    expect(loadConfig({ PATCHBAY_METRICS: "off" }, false).metrics.enabled).toBe(false);
    expect(loadConfig({ PATCHBAY_METRICS_SAMPLE_MS: "1000" }, false).metrics.sampleMs).toBe(1000);
    for (const bad of ["999", "300001", "1.5", "fast"]) {
      expect(() => loadConfig({ PATCHBAY_METRICS_SAMPLE_MS: bad }, false)).toThrow(
        "PATCHBAY_METRICS_SAMPLE_MS must be a whole number from 1000 to 300000",
      );
    }
    expect(() => loadConfig({ PATCHBAY_METRICS: "no" }, false)).toThrow("PATCHBAY_METRICS must be on or off");
    expect(() => loadConfig({ PATCHBAY_PORT: "9000", PATCHBAY_METRICS_PORT: "9000" }, false)).toThrow(
      "PATCHBAY_METRICS_PORT must differ from PATCHBAY_PORT",
    );
  });

  it("traces only when an OTLP endpoint or an exporter is named, with the standard variables", () => {
    expect(config.tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }, false).tracing).toEqual({
      exporter: "otlp",
      endpoint: "http://collector:4318/v1/traces",
      headers: {},
      serviceName: "patchbay",
      sampler: "parentbased_always_on",
      samplerRatio: 1,
    });
    const full = loadConfig(
      {
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://otlp.example.com/v1/traces",
        OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Bearer%20t0ken,x-team=core",
        OTEL_SERVICE_NAME: "patchbay-eu",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.25",
      },
      false,
    ).tracing;
    expect(full).toMatchObject({
      endpoint: "https://otlp.example.com/v1/traces",
      headers: { authorization: "Bearer t0ken", "x-team": "core" },
      serviceName: "patchbay-eu",
      sampler: "parentbased_traceidratio",
      samplerRatio: 0.25,
    });
    expect(loadConfig({ OTEL_TRACES_EXPORTER: "console" }, false).tracing?.exporter).toBe("console");
    expect(
      loadConfig({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }, false)
        .tracing,
    ).toBeUndefined();
    expect(
      loadConfig({ OTEL_SDK_DISABLED: "true", OTEL_TRACES_EXPORTER: "otlp" }, false).tracing,
    ).toBeUndefined();
    expect(() =>
      loadConfig({ OTEL_TRACES_SAMPLER: "sometimes", OTEL_TRACES_EXPORTER: "otlp" }, false),
    ).toThrow("OTEL_TRACES_SAMPLER must be one of");
    // A malformed header list is refused without echoing it (it carries tokens).
    let message = "";
    try {
      loadConfig({ OTEL_EXPORTER_OTLP_HEADERS: "no-equals-secret", OTEL_TRACES_EXPORTER: "otlp" }, false);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("OTEL_EXPORTER_OTLP_HEADERS");
    expect(message).not.toContain("no-equals-secret");
  });

  it("logs pretty on a terminal and JSON otherwise", () => {
    expect(loadConfig({}, true).logFormat).toBe("pretty");
    expect(loadConfig({}, false).logFormat).toBe("json");
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig({ PATCHBAY_PORT: "", LOG_LEVEL: "", PATCHBAY_MASTER_KEY: "" }, false)).toEqual(config);
  });
});

describe("loadConfig with values", () => {
  it("reads every setting", () => {
    const config = loadConfig(
      {
        PATCHBAY_PORT: "0",
        PATCHBAY_METRICS_PORT: "9464",
        PATCHBAY_HOST: "::1",
        PATCHBAY_TLS_CERT: "/etc/pb/cert.pem",
        PATCHBAY_TLS_KEY: "/etc/pb/key.pem",
        DATABASE_URL: "postgresql://pb:pw@db:5432/patchbay",
        PATCHBAY_DATA_DIR: "/var/lib/patchbay",
        PATCHBAY_MASTER_KEY: key1,
        PATCHBAY_ADMIN_KEY: "pb_admin_0123456789abcdefghij",
        PATCHBAY_PUBLIC_URL: "https://pb.example.com",
        LOG_LEVEL: "debug",
        LOG_FORMAT: "pretty",
        PATCHBAY_SHUTDOWN_TIMEOUT_MS: "2500",
        PATCHBAY_DRAIN_DELAY_MS: "1500",
        PATCHBAY_MAX_BODY_BYTES: "1024",
        PATCHBAY_MAX_OPENAPI_BYTES: "2048",
        PATCHBAY_DB_POOL_MAX: "25",
        PATCHBAY_RATE_LIMITS: "standard=5/1s",
        PATCHBAY_CONCURRENCY_LIMITS: "standard=3,bulk=unlimited",
        PATCHBAY_DB_STATEMENT_TIMEOUT_MS: "5000",
        PATCHBAY_SHED_EVENT_LOOP_DELAY_MS: "0",
        PATCHBAY_SHED_DB_WAITING: "40",
        PATCHBAY_OAUTH_ACME_CRM_CLIENT_ID: "client-1",
        PATCHBAY_OAUTH_ACME_CRM_CLIENT_SECRET: "shh",
        PATCHBAY_OAUTH_REFRESH_MARGIN_S: "60",
        PATCHBAY_OAUTH_ALLOW_LOOPBACK_HTTP: "true",
        PATCHBAY_UNARY_FAST_PATH: "off",
        PATCHBAY_EGRESS_ALLOW: "10.0.0.0/8, fd00::/8,127.0.0.1 ,crm.internal.example",
        PATCHBAY_EXECUTION_RETENTION_DAYS: "7",
        PATCHBAY_SCRIPT_PROCESSES: "3",
        PATCHBAY_SCRIPT_QUEUE_MAX: "0",
        PATCHBAY_GOOGLE_JWKS_URL: "http://127.0.0.1:9/certs",
        PATCHBAY_JOB_SUPERVISE_S: "2",
        PATCHBAY_WEBHOOK_COMMIT_WAIT_MS: "0",
        PATCHBAY_WEBHOOK_ALLOW_INSECURE_CALLBACKS: "true",
      },
      false,
    );
    expect(config).toEqual({
      port: 0,
      host: "::1",
      tracing: undefined,
      metrics: { enabled: true, port: 9464, connectorLabels: "public", maxConnectors: 200, sampleMs: 15_000 },
      tls: { certFile: "/etc/pb/cert.pem", keyFile: "/etc/pb/key.pem" },
      databaseUrl: "postgresql://pb:pw@db:5432/patchbay",
      dataDir: "/var/lib/patchbay",
      masterKeys: [key1],
      adminKey: "pb_admin_0123456789abcdefghij",
      publicUrl: "https://pb.example.com",
      logLevel: "debug",
      logFormat: "pretty",
      shutdownTimeoutMs: 2500,
      drainDelayMs: 1500,
      maxBodyBytes: 1024,
      maxOpenApiBytes: 2048,
      dbPoolMax: 25,
      rateLimits: new Map([["standard", [{ points: 5, durationSeconds: 1 }]]]),
      concurrencyLimits: new Map([
        ["standard", 3],
        ["bulk", Number.POSITIVE_INFINITY],
      ]),
      dbStatementTimeoutMs: 5000,
      shedEventLoopDelayMs: 0,
      shedDbWaiting: 40,
      oauthClients: new Map([["acme-crm", { clientId: "client-1", clientSecret: "shh" }]]),
      oauthRefreshMarginSeconds: 60,
      oauthAllowLoopbackHttp: true,
      unaryFastPath: false,
      egressAllow: ["10.0.0.0/8", "fd00::/8", "127.0.0.1", "crm.internal.example"],
      executionRetentionDays: 7,
      scriptProcesses: 3,
      scriptQueueMax: 0,
      googleJwksUrl: "http://127.0.0.1:9/certs",
      jobSuperviseSeconds: 2,
      webhookCommitWaitMs: 0,
      webhookAllowInsecureCallbacks: true,
    });
  });

  it("refuses an OAuth client id without its secret, naming the missing variable", () => {
    expect(() => loadConfig({ PATCHBAY_OAUTH_GITHUB_CLIENT_ID: "x" }, false)).toThrow(
      "PATCHBAY_OAUTH_GITHUB_CLIENT_SECRET must be set with PATCHBAY_OAUTH_GITHUB_CLIENT_ID",
    );
  });

  it("splits a comma-separated master key list into keys, primary first", () => {
    expect(loadConfig({ PATCHBAY_MASTER_KEY: `${key1}, ${key2}` }, false).masterKeys).toEqual([key1, key2]);
  });

  it("strips trailing slashes from the public URL", () => {
    expect(loadConfig({ PATCHBAY_PUBLIC_URL: "https://pb.example.com/" }, false).publicUrl).toBe(
      "https://pb.example.com",
    );
    expect(loadConfig({ PATCHBAY_PUBLIC_URL: "http://pb.example.com/base//" }, false).publicUrl).toBe(
      "http://pb.example.com/base",
    );
  });

  it("accepts the bounds of the port range", () => {
    expect(loadConfig({ PATCHBAY_PORT: "0" }, false).port).toBe(0);
    expect(loadConfig({ PATCHBAY_PORT: "65535" }, false).port).toBe(65535);
  });

  it("resolves a relative data folder against the working directory", () => {
    expect(loadConfig({ PATCHBAY_DATA_DIR: "data/pb" }, false).dataDir).toBe(resolve("data/pb"));
  });
});

describe("loadConfig rejects bad values", () => {
  const number = (name: string, min: number, max: number) =>
    `${name} must be a whole number from ${min} to ${max}`;
  const masterKeyRule =
    "PATCHBAY_MASTER_KEY must be comma-separated base64 keys of 32 bytes each (make one with: openssl rand -base64 32)";
  const adminKeyRule = "PATCHBAY_ADMIN_KEY must be 24 to 256 printable characters without spaces";

  // One row per variable and bad value; `echoed` says whether the value may appear in the message.
  const egressAllowRule =
    "PATCHBAY_EGRESS_ALLOW must be comma-separated CIDRs (10.0.0.0/8, fd00::/8), IP addresses or host names";
  const rows: { env: Record<string, string>; message: string; echoed: boolean }[] = [
    { env: { PATCHBAY_EGRESS_ALLOW: "10.0.0.0/33" }, message: egressAllowRule, echoed: true },
    {
      env: { PATCHBAY_EGRESS_ALLOW: "10.0.0.0/8,http://crm.example" },
      message: egressAllowRule,
      echoed: true,
    },
    {
      env: { PATCHBAY_EXECUTION_RETENTION_DAYS: "0" },
      message: number("PATCHBAY_EXECUTION_RETENTION_DAYS", 1, 3650),
      echoed: true,
    },
    {
      env: { PATCHBAY_SCRIPT_PROCESSES: "0" },
      message: number("PATCHBAY_SCRIPT_PROCESSES", 1, 64),
      echoed: true,
    },
    {
      env: { PATCHBAY_SCRIPT_QUEUE_MAX: "-1" },
      message: number("PATCHBAY_SCRIPT_QUEUE_MAX", 0, 100000),
      echoed: true,
    },
    { env: { PATCHBAY_PORT: "abc" }, message: number("PATCHBAY_PORT", 0, 65535), echoed: true },
    { env: { PATCHBAY_PORT: "70000" }, message: number("PATCHBAY_PORT", 0, 65535), echoed: true },
    { env: { PATCHBAY_PORT: "-1" }, message: number("PATCHBAY_PORT", 0, 65535), echoed: true },
    { env: { PATCHBAY_PORT: "80.5" }, message: number("PATCHBAY_PORT", 0, 65535), echoed: true },
    {
      env: { PATCHBAY_HOST: "bad host" },
      message: "PATCHBAY_HOST must be a host name or IP address",
      echoed: true,
    },
    {
      env: { PATCHBAY_TLS_CERT: "/etc/pb/cert.pem" },
      message: "PATCHBAY_TLS_CERT and PATCHBAY_TLS_KEY must be set together (PEM file paths)",
      echoed: false,
    },
    {
      env: { PATCHBAY_TLS_KEY: "/etc/pb/key.pem" },
      message: "PATCHBAY_TLS_CERT and PATCHBAY_TLS_KEY must be set together (PEM file paths)",
      echoed: false,
    },
    {
      env: { DATABASE_URL: "mysql://user:hunter2@db/pb" },
      message: "DATABASE_URL must be a postgres:// or postgresql:// URL",
      echoed: false,
    },
    {
      env: { DATABASE_URL: "postgres://user:hunter2@db/pb" },
      message:
        "PATCHBAY_MASTER_KEY must be set when DATABASE_URL is set (make one with: openssl rand -base64 32)",
      echoed: false,
    },
    { env: { PATCHBAY_MASTER_KEY: "not*base64*at*all" }, message: masterKeyRule, echoed: false },
    {
      env: { PATCHBAY_MASTER_KEY: Buffer.alloc(16, 9).toString("base64") },
      message: masterKeyRule,
      echoed: false,
    },
    {
      env: { PATCHBAY_MASTER_KEY: `${key1},${Buffer.alloc(31, 9).toString("base64")}` },
      message: masterKeyRule,
      echoed: false,
    },
    { env: { PATCHBAY_ADMIN_KEY: "short-secret" }, message: adminKeyRule, echoed: false },
    { env: { PATCHBAY_ADMIN_KEY: "hunter2hunter2 hunter2hunter2" }, message: adminKeyRule, echoed: false },
    {
      env: { PATCHBAY_PUBLIC_URL: "ftp://x" },
      message: "PATCHBAY_PUBLIC_URL must be an http:// or https:// URL",
      echoed: true,
    },
    {
      env: { LOG_LEVEL: "loud" },
      message: "LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent",
      echoed: true,
    },
    { env: { LOG_FORMAT: "xml" }, message: "LOG_FORMAT must be json or pretty", echoed: true },
    {
      env: { PATCHBAY_SHUTDOWN_TIMEOUT_MS: "50" },
      message: number("PATCHBAY_SHUTDOWN_TIMEOUT_MS", 100, 600_000),
      echoed: true,
    },
    {
      env: { PATCHBAY_MAX_BODY_BYTES: "1kb" },
      message: number("PATCHBAY_MAX_BODY_BYTES", 1024, 1 << 30),
      echoed: true,
    },
    { env: { PATCHBAY_DB_POOL_MAX: "0" }, message: number("PATCHBAY_DB_POOL_MAX", 1, 1000), echoed: true },
    {
      env: { PATCHBAY_CONCURRENCY_LIMITS: "bulk=8" },
      message:
        "PATCHBAY_CONCURRENCY_LIMITS must define the standard tier, which keys get by default (for example standard=32), or be off",
      echoed: true,
    },
    {
      env: { PATCHBAY_DB_STATEMENT_TIMEOUT_MS: "0" },
      message: number("PATCHBAY_DB_STATEMENT_TIMEOUT_MS", 100, 3_600_000),
      echoed: true,
    },
    {
      env: { PATCHBAY_SHED_EVENT_LOOP_DELAY_MS: "fast" },
      message: number("PATCHBAY_SHED_EVENT_LOOP_DELAY_MS", 0, 60_000),
      echoed: true,
    },
    {
      env: { PATCHBAY_SHED_DB_WAITING: "-1" },
      message: number("PATCHBAY_SHED_DB_WAITING", 0, 100_000),
      echoed: true,
    },
  ];

  const cases = rows.map((row) => {
    const [name = "", value = ""] = Object.entries(row.env)[0] ?? [];
    return { ...row, name, value, title: `${name}=${JSON.stringify(value)}` };
  });

  it.each(cases)("rejects $title", ({ env, message, echoed, name, value }) => {
    const error = configErrorOf(env);
    expect(error.name).toBe("ConfigError");
    expect(error.message.startsWith(message)).toBe(true);
    expect(error.message).toContain(name);
    expect(error.message).not.toContain("\n");
    if (echoed) {
      expect(error.message).toBe(`${message} (got ${JSON.stringify(value)})`);
    } else {
      expect(error.message).toBe(message);
      expect(error.message).not.toContain(value);
    }
  });

  it("keeps the message on one line when the bad value has a newline", () => {
    const error = configErrorOf({ LOG_LEVEL: "info\nFAKE LOG LINE" });
    expect(error.message).not.toContain("\n");
    expect(error.message).toContain("LOG_LEVEL");
  });

  it("shortens a long echoed value", () => {
    const error = configErrorOf({ PATCHBAY_HOST: `${"h".repeat(200)} x` });
    expect(error.message).toBe(`PATCHBAY_HOST must be a host name or IP address (got "${"h".repeat(80)}")`);
  });

  it("does not echo any part of a secret value, even in a valid-looking key list", () => {
    const error = configErrorOf({ PATCHBAY_MASTER_KEY: `${key1},${key2.slice(0, 20)}` });
    expect(error.message).not.toContain(key1);
    expect(error.message).not.toContain(key2.slice(0, 20));
  });
});
