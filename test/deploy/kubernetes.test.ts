import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { configVariables, type Manifest, manifestOf, readManifests, readRepoFile } from "./deploy-files.ts";
import { unknownFields } from "./kubernetes-unknown-fields.ts";

/** Each kind the manifests may use: its model (schema validator) and its typed interface. */
const KINDS: Record<
  string,
  { model: new (data: never) => { validate(): void }; module: string; type: string }
> = {
  "v1/ConfigMap": { model: ConfigMap, module: "kubernetes-models/v1/ConfigMap", type: "IConfigMap" },
  "v1/Service": { model: Service, module: "kubernetes-models/v1/Service", type: "IService" },
  "apps/v1/Deployment": {
    model: Deployment,
    module: "kubernetes-models/apps/v1/Deployment",
    type: "IDeployment",
  },
  "batch/v1/Job": { model: Job, module: "kubernetes-models/batch/v1/Job", type: "IJob" },
  "policy/v1/PodDisruptionBudget": {
    model: PodDisruptionBudget,
    module: "kubernetes-models/policy/v1/PodDisruptionBudget",
    type: "IPodDisruptionBudget",
  },
  "autoscaling/v2/HorizontalPodAutoscaler": {
    model: HorizontalPodAutoscaler,
    module: "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler",
    type: "IHorizontalPodAutoscaler",
  },
};

const manifests = readManifests();
const withoutFile = ({ file: _, ...manifest }: Manifest) => manifest;
const deployment = manifestOf(manifests, "Deployment");
const job = manifestOf(manifests, "Job", "patchbay-migrate");
const configMap = manifestOf(manifests, "ConfigMap");
const service = manifestOf(manifests, "Service");
const podSpec = deployment.spec.template.spec;
const container = podSpec.containers[0];
const jobContainer = job.spec.template.spec.containers[0];

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
/** The settings a pod of the Deployment starts with (secrets as placeholders of the right form). */
function podEnvironment(): Record<string, string> {
  const env: Record<string, string> = { ...configMap.data };
  for (const variable of container.env as EnvVar[]) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (variable.name === "DATABASE_URL") env[variable.name] = "postgres://patchbay@db.example/patchbay";
    else if (variable.name === "PATCHBAY_MASTER_KEY")
      env[variable.name] = Buffer.alloc(32, 1).toString("base64");
  }
  return env;
}

describe("deploy/kubernetes manifests", () => {
  it("holds the objects a rollout needs, each of a kind with a schema here", () => {
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      "ConfigMap/patchbay",
      "Deployment/patchbay",
      "HorizontalPodAutoscaler/patchbay",
      "Job/patchbay-migrate",
      "PodDisruptionBudget/patchbay",
      "Service/patchbay",
    ]);
    for (const m of manifests)
      expect(KINDS[`${m.apiVersion}/${m.kind}`], `${m.file}: ${m.kind}`).toBeDefined();
  });

  it("validates every object against the Kubernetes API's JSON schemas", () => {
    for (const m of manifests) {
      const model = KINDS[`${m.apiVersion}/${m.kind}`]?.model as new (data: unknown) => { validate(): void };
      expect(() => new model(withoutFile(m)).validate(), m.file).not.toThrow();
    }
  });

  it("uses no field the Kubernetes API does not define (kubectl's strict validation)", () => {
    const typed = manifests.map((m) => {
      const kind = KINDS[`${m.apiVersion}/${m.kind}`];
      return {
        label: `${m.file} ${m.kind}`,
        value: withoutFile(m),
        module: kind?.module ?? "",
        type: kind?.type ?? "",
      };
    });
    expect(unknownFields(typed)).toEqual([]);
  }, 60_000);

  it("notices a misspelt field and a wrong type (the checks above can fail)", () => {
    const broken = structuredClone(withoutFile(deployment)) as {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    const first = broken.spec.template.spec.containers[0] as Record<string, unknown>;
    first.readinesProbe = first.readinessProbe;
    const problems = unknownFields([
      {
        label: "misspelt",
        value: broken,
        module: KINDS["apps/v1/Deployment"]?.module ?? "",
        type: "IDeployment",
      },
    ]);
    expect(problems.join("\n")).toContain("readinesProbe");
    first.ports = [{ containerPort: "8080" }];
    expect(() => new Deployment(broken as never).validate()).toThrow(/containerPort/);
  }, 60_000);

  it("reads every setting it sets from names src/config.ts knows, and starts with them", () => {
    const known = configVariables();
    const names = [
      ...Object.keys(configMap.data ?? {}),
      ...(container.env as EnvVar[]).map((v) => v.name),
      ...(jobContainer.env as EnvVar[]).map((v) => v.name),
    ];
    for (const name of names) expect(known, name).toContain(name);
    const config = loadConfig(podEnvironment(), false);
    expect(config.logFormat).toBe("json");
    expect(config.host).toBe("0.0.0.0");
  });

  it("takes DATABASE_URL and PATCHBAY_MASTER_KEY from the Secret, in the server and the migration Job alike", () => {
    for (const env of [container.env as EnvVar[], jobContainer.env as EnvVar[]]) {
      const refs = Object.fromEntries(
        env.filter((v) => v.valueFrom?.secretKeyRef).map((v) => [v.name, v.valueFrom?.secretKeyRef]),
      );
      expect(refs.DATABASE_URL).toEqual({ name: "patchbay", key: "database-url" });
      expect(refs.PATCHBAY_MASTER_KEY).toEqual({ name: "patchbay", key: "master-key" });
      expect(
        env.filter((v) => /DATABASE_URL|MASTER_KEY|ADMIN_KEY/.test(v.name) && v.value !== undefined),
      ).toEqual([]);
    }
    expect(Object.keys(configMap.data ?? {})).not.toContain("DATABASE_URL");
    // The operations guide says how to make that Secret, with these keys.
    const guide = readRepoFile("docs/operations.md");
    for (const key of ["database-url", "master-key"]) expect(guide).toContain(key);
  });

  it("probes readiness at /readyz and liveness at /healthz on the port the server listens on", () => {
    const port = loadConfig(podEnvironment(), false).port;
    const named = Object.fromEntries(
      container.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]),
    );
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(container.startupProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(named.http).toBe(port);
  });

  it("gives a stopping pod the drain delay plus the shutdown timeout, with room, before SIGKILL", () => {
    const config = loadConfig(podEnvironment(), false);
    expect(config.drainDelayMs).toBeGreaterThan(0);
    // The delay must outlast a readiness probe's view of the pod (for load balancers that use it).
    const probe = container.readinessProbe;
    expect(config.drainDelayMs).toBeGreaterThanOrEqual(probe.periodSeconds * 1000);
    expect(podSpec.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(
      config.drainDelayMs + config.shutdownTimeoutMs + 10_000,
    );
    // The process does the waiting: a preStop sleep would only add to it.
    expect(container.lifecycle?.preStop).toBeUndefined();
  });

  it("runs the migration Job with the server's image, once, before the rollout", () => {
    expect(jobContainer.image).toBe(container.image);
    expect(jobContainer.command).toEqual(["node", "bin/patchbay.js", "migrate"]);
    expect(job.spec.template.spec.restartPolicy).toBe("Never");
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
  });

  it("routes the Service to the Deployment's pods over h2c, and the PDB and HPA to the same Deployment", () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports).toEqual([
      { name: "http", port: 8080, targetPort: "http", protocol: "TCP", appProtocol: "kubernetes.io/h2c" },
    ]);
    expect(manifestOf(manifests, "PodDisruptionBudget").spec.selector.matchLabels).toEqual(labels);
    const hpa = manifestOf(manifests, "HorizontalPodAutoscaler");
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "patchbay" });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    // Replicas are the HPA's to set: a replicas field here would reset them on every apply.
    expect(deployment.spec.replicas).toBeUndefined();
  });

  it("keeps the pods unprivileged, with a writable /tmp only", () => {
    expect(podSpec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
  });
});
