import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { DCLinter } from "dclint";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { configVariables, readRepoFile, readYamlDocuments, repoPath } from "./deploy-files.ts";

// biome-ignore lint/suspicious/noExplicitAny: compose and Envoy files are plain YAML data, checked by schema and by the assertions
type Data = any;
const compose = readYamlDocuments("deploy/compose.yaml")[0] as Data;
const envoy = readYamlDocuments("deploy/envoy.yaml")[0] as Data;
const services = compose.services;
/** The replicas' settings, with the interpolated secrets replaced by values of the right form. */
const replicaEnv: Record<string, string> = Object.fromEntries(
  Object.entries(services.patchbay.environment as Record<string, string>).map(([name, value]) => [
    name,
    name === "PATCHBAY_MASTER_KEY"
      ? Buffer.alloc(32, 2).toString("base64")
      : value.replace(/\$\{([A-Z_]+)(:[-?][^}]*)?\}/g, (_, variable: string) =>
          variable === "PATCHBAY_PUBLIC_URL" ? "https://patchbay.example.com" : "secret",
        ),
  ]),
);

/** The compose-spec JSON schema, as the dclint package ships it (kept current with the specification). */
function composeSchemaValidator() {
  // Not among the package's exports: found beside its package.json, which is.
  const manifest = createRequire(import.meta.url).resolve("dclint/package.json");
  const schema = JSON.parse(
    readFileSync(join(dirname(manifest), "schemas/compose.schema.json"), "utf8"),
  ) as Record<string, unknown>;
  // Draft-07 under its https name, which Ajv's built-in draft-07 meta-schema is not registered as.
  const { $schema: _, ...rest } = schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(rest);
}

/** Seconds of a compose or Envoy duration ("30s", "1m30s", "500ms"). */
function seconds(duration: string): number {
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(amount) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as "ms" | "s" | "m" | "h"];
  }
  return total;
}

describe("deploy/compose.yaml", () => {
  it("is valid by the compose-spec JSON schema", () => {
    const validate = composeSchemaValidator();
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
  });

  it("has no finding by dclint, a maintained Compose linter", () => {
    const linter = new DCLinter({ rules: {}, quiet: true, debug: false, exclude: [] });
    const [result] = linter.lintFiles([repoPath("deploy/compose.yaml")], false);
    expect(
      result?.messages.map(
        (m: { line: number; rule: string; message: string }) => `${m.line}: ${m.rule}: ${m.message}`,
      ),
    ).toEqual([]);
  });

  it("notices a misplaced key (the schema check can fail)", () => {
    const validate = composeSchemaValidator();
    const broken = structuredClone(compose);
    broken.services.patchbay.replicas = 2;
    expect(validate(broken)).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain("additionalProperties");
  });

  it("runs PostgreSQL, a migration step, two replicas after it, and Envoy after them", () => {
    expect(Object.keys(services).sort()).toEqual(["envoy", "migrate", "patchbay", "postgres"]);
    expect(services.migrate.command).toEqual(["node", "bin/patchbay.js", "migrate"]);
    expect(services.migrate.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    expect(services.patchbay.depends_on).toEqual({
      migrate: { condition: "service_completed_successfully" },
    });
    expect(services.patchbay.deploy.replicas).toBe(2);
    expect(services.envoy.depends_on).toEqual({ patchbay: { condition: "service_healthy" } });
    // Both run the image built from deploy/Dockerfile, with the same settings.
    expect(services.migrate.build).toEqual({ context: "..", dockerfile: "deploy/Dockerfile" });
    expect(services.patchbay.build).toEqual(services.migrate.build);
    expect(services.migrate.environment).toEqual(services.patchbay.environment);
    for (const service of Object.values(services) as Data[]) {
      const image: string | undefined = service.image;
      if (image !== undefined) expect(image).toMatch(/:v?\d+\.\d+(\.\d+)?(-[a-z]+)?$/);
    }
  });

  it("sets only settings src/config.ts reads, with secrets from the operator's environment, never written in", () => {
    const known = configVariables();
    for (const name of Object.keys(services.patchbay.environment)) expect(known, name).toContain(name);
    expect(services.patchbay.environment.PATCHBAY_MASTER_KEY).toMatch(/^\$\{PATCHBAY_MASTER_KEY:\?/);
    expect(services.patchbay.environment.DATABASE_URL).toContain("${POSTGRES_PASSWORD:?");
    expect(services.postgres.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    const config = loadConfig(replicaEnv, false);
    expect(config.databaseUrl).toMatch(/^postgres:\/\/patchbay:secret@postgres:5432\/patchbay$/);
  });

  it("gives a replica the drain delay plus the shutdown timeout, with room, before SIGKILL", () => {
    const config = loadConfig(replicaEnv, false);
    expect(seconds(services.patchbay.stop_grace_period) * 1000).toBeGreaterThanOrEqual(
      config.drainDelayMs + config.shutdownTimeoutMs + 10_000,
    );
  });

  it("gives PostgreSQL connections for every replica's pools and the migration step", () => {
    const config = loadConfig(replicaEnv, false);
    const maxConnections = Number(/max_connections=(\d+)/.exec(services.postgres.command.join(" "))?.[1]);
    // Beside its pool, a replica holds 8: job queue (5), webhook writer, LISTEN, readiness probe.
    const perReplica = config.dbPoolMax + 8;
    expect(maxConnections).toBeGreaterThanOrEqual(services.patchbay.deploy.replicas * perReplica + 2 + 10);
  });
});

describe("deploy/envoy.yaml", () => {
  const listener = envoy.static_resources.listeners[0];
  const cluster = envoy.static_resources.clusters[0];
  const manager = listener.filter_chains[0].filters[0].typed_config;

  it("listens on the port compose publishes and reaches the replicas on the port they listen on", () => {
    const published = (services.envoy.ports as string[])[0]?.split(":");
    expect(Number(published?.at(-1))).toBe(listener.address.socket_address.port_value);
    const upstream = cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    expect(upstream).toEqual({ address: "patchbay", port_value: loadConfig(replicaEnv, false).port });
    expect(services.patchbay.expose).toEqual([String(upstream.port_value)]);
  });

  it("speaks h2c to the replicas and accepts HTTP/1.1 and HTTP/2 from clients", () => {
    expect(manager.codec_type).toBe("AUTO");
    const options =
      cluster.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
    expect(options.explicit_http_config).toEqual({ http2_protocol_options: {} });
  });

  it("drops a stopping replica on its readiness answer before the replica's drain delay is over", () => {
    const [check] = cluster.health_checks;
    expect(check.http_health_check.path).toBe("/readyz");
    const noticedWithin = (seconds(check.interval) + seconds(check.timeout)) * check.unhealthy_threshold;
    expect(noticedWithin * 1000).toBeLessThan(loadConfig(replicaEnv, false).drainDelayMs);
  });

  it("retries only what never reached a replica, and leaves calls' deadlines to Patchbay", () => {
    const route = manager.route_config.virtual_hosts[0].routes[0].route;
    expect(route.retry_policy.retry_on.split(",").sort()).toEqual(["connect-failure", "refused-stream"]);
    expect(route.timeout).toBe("0s");
  });

  it("is the file compose mounts into the Envoy container", () => {
    expect(services.envoy.volumes).toContain("./envoy.yaml:/etc/envoy/envoy.yaml:ro");
    expect(readRepoFile("deploy/envoy.yaml")).toContain("envoy.filters.network.http_connection_manager");
  });
});
