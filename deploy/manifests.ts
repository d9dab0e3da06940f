import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Deployment } from "kubernetes-models/apps/v1";
import { CronJob } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Service, type IContainer, type IEnvVar, type IKeyToPath, type IPodSpec } from "kubernetes-models/v1";

/**
 * The Kubernetes manifests of ozg-hub, written in TypeScript against kubernetes-models so that
 * the compiler rejects a misspelt field (the JSON schemas allow unknown ones) and the tests can
 * validate every object. `node --import tsx deploy/generate.ts` writes them to deploy/ozg-hub.yaml.
 */

export const NAME = "ozg-hub";
const labels = { "app.kubernetes.io/name": NAME, "app.kubernetes.io/component": "gateway" };
const PORT = 8080;

/** A ConfigMap key may not contain "/": `tenants/kiel.yaml` becomes `tenants.kiel.yaml`, mounted back by path. */
const keyOf = (file: string) => file.replace(/\//g, ".");

/** The files of a config directory that ozg-hub reads: gateway.yaml, tenants/*.yaml, portals/*.yaml. */
async function configFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = { "gateway.yaml": await readFile(path.join(dir, "gateway.yaml"), "utf8") };
  for (const sub of ["tenants", "portals"]) {
    for (const f of (await readdir(path.join(dir, sub))).filter((f) => f.endsWith(".yaml")).sort())
      out[`${sub}/${f}`] = await readFile(path.join(dir, sub, f), "utf8");
  }
  return out;
}

/** `<format>/<format>.yaml` of every mapping folder (fixtures stay in the repository). */
async function mappingFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const text = await readFile(path.join(dir, e.name, `${e.name}.yaml`), "utf8").catch(() => undefined);
    if (text !== undefined) out[`${e.name}/${e.name}.yaml`] = text;
  }
  return out;
}

function configMap(name: string, files: Record<string, string>): { map: ConfigMap; items: IKeyToPath[] } {
  const data = Object.fromEntries(Object.entries(files).map(([f, text]) => [keyOf(f), text]));
  return { map: new ConfigMap({ metadata: { name, labels }, data }), items: Object.keys(files).map((f) => ({ key: keyOf(f), path: f })) };
}

/** DATABASE_URL and AMQP_URL carry passwords: from the Secret `ozg-hub-secrets`, never from the ConfigMap. */
const secretEnv: IEnvVar[] = [
  { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: `${NAME}-secrets`, key: "database-url" } } },
  { name: "AMQP_URL", valueFrom: { secretKeyRef: { name: `${NAME}-secrets`, key: "amqp-url" } } },
];

const hardened = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
};

export interface ManifestOptions {
  configDir: string;
  mappingsDir: string;
  image: string;
  /** `purge --older-than` of the nightly CronJob: the retention period the municipality set. */
  retentionDays: number;
}

/** Every object, in the order `kubectl apply -f` should create them. */
export async function manifests(o: ManifestOptions) {
  const config = configMap(`${NAME}-config`, await configFiles(o.configDir));
  const mappings = configMap(`${NAME}-mappings`, await mappingFiles(o.mappingsDir));
  // A changed config rolls the pods (SIGHUP reload is for hand-run processes).
  const checksum = createHash("sha256")
    .update(JSON.stringify([config.map.data, mappings.map.data]))
    .digest("hex");

  const volumes: IPodSpec["volumes"] = [
    { name: "config", configMap: { name: config.map.metadata!.name!, items: config.items } },
    { name: "mappings", configMap: { name: mappings.map.metadata!.name!, items: mappings.items } },
    // Keys and certificates (XTA PKCS#12, OSCI keys, TLS): config files name them as ../keys/<file>.
    { name: "keys", secret: { secretName: `${NAME}-keys`, optional: true, defaultMode: 0o440 } },
    // tsx compiles into the temp directory; the root file system stays read-only.
    { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
  ];
  const mounts: IContainer["volumeMounts"] = [
    { name: "config", mountPath: "/app/config", readOnly: true },
    { name: "mappings", mountPath: "/app/mappings", readOnly: true },
    { name: "keys", mountPath: "/app/keys", readOnly: true },
    { name: "tmp", mountPath: "/tmp" },
  ];
  const container: IContainer = {
    name: NAME,
    image: o.image,
    args: ["serve"],
    command: ["node", "bin/ozg-hub.mjs"],
    ports: [{ name: "http", containerPort: PORT }],
    env: [...secretEnv, { name: "OZG_HUB_CONFIG", value: "/app/config" }, { name: "PORT", value: String(PORT) }, { name: "LOG_LEVEL", value: "info" }],
    // Passphrases of PKCS#12 files, named in the config by passphraseEnv, come from the same Secret.
    envFrom: [{ secretRef: { name: `${NAME}-passphrases`, optional: true } }],
    volumeMounts: mounts,
    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "1Gi" } },
    startupProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 2, failureThreshold: 60 },
    livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    // /readyz is 503 while Postgres is unreachable: no new deliveries then. A broker outage does
    // not make the pod unready (deliveries wait in the outbox); /readyz?broker includes it.
    readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
    // Let the Service drop the pod before SIGTERM, so no request arrives while it drains.
    lifecycle: { preStop: { exec: { command: ["sleep", "5"] } } },
    securityContext: hardened,
  };

  const deployment = new Deployment({
    metadata: { name: NAME, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels, annotations: { "ozg-hub/config-sha256": checksum } },
        spec: {
          // preStop 5 s + draining requests and relay rounds (serve stops on SIGTERM) within 30 s.
          terminationGracePeriodSeconds: 45,
          securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
          containers: [container],
          volumes,
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
          ],
        },
      },
    },
  });

  const service = new Service({
    metadata: { name: NAME, labels },
    spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  });

  const pdb = new PodDisruptionBudget({ metadata: { name: NAME, labels }, spec: { minAvailable: 1, selector: { matchLabels: labels } } });

  const purge = new CronJob({
    metadata: { name: `${NAME}-purge`, labels },
    spec: {
      schedule: "30 2 * * *",
      concurrencyPolicy: "Forbid",
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: 2,
          template: {
            metadata: { labels: { ...labels, "app.kubernetes.io/component": "purge" } },
            spec: {
              restartPolicy: "OnFailure",
              securityContext: { runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "purge",
                  image: o.image,
                  command: ["node", "bin/ozg-hub.mjs"],
                  args: ["purge", "--older-than", String(o.retentionDays)],
                  env: secretEnv,
                  volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                  securityContext: hardened,
                },
              ],
              volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
            },
          },
        },
      },
    },
  });

  return [config.map, mappings.map, deployment, service, pdb, purge];
}
