import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Deployment } from "kubernetes-models/apps/v1";
import { CronJob } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Service } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { renderManifests } from "../../deploy/render.ts";
import { loadHubRuntime } from "../../cli/hub.ts";
import { REPO } from "../support/config.ts";

const FILE = path.join(REPO, "deploy/ozg-hub.yaml");
const MODELS = { ConfigMap, Deployment, Service, PodDisruptionBudget, CronJob } as const;

async function objects(): Promise<any[]> {
  return parseAllDocuments(await readFile(FILE, "utf8")).map((d) => d.toJSON());
}
const ofKind = (all: any[], kind: string) => all.filter((o) => o.kind === kind);
const validate = (o: any) => new MODELS[o.kind as keyof typeof MODELS](o).validate();

describe("deploy/ozg-hub.yaml", () => {
  it("is what deploy/generate.ts makes of config/ and mappings/ today", async () => {
    expect(await readFile(FILE, "utf8"), "run: node --import tsx deploy/generate.ts").toBe(await renderManifests(REPO));
  });

  it("validates against the Kubernetes schemas, and the check refuses broken objects", async () => {
    const all = await objects();
    expect(all.map((o) => o.kind)).toEqual(["ConfigMap", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "CronJob"]);
    for (const o of all) expect(() => validate(o), `${o.kind} ${o.metadata.name}`).not.toThrow();
    const deployment = ofKind(all, "Deployment")[0];
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = "eighty";
    expect(() => validate(broken)).toThrow();
    const noContainers = structuredClone(deployment);
    delete noContainers.spec.template.spec.containers;
    expect(() => validate(noContainers)).toThrow();
  });

  it("probes /healthz and /readyz, terminates gracefully and takes its URLs from a Secret", async () => {
    const all = await objects();
    const pod = ofKind(all, "Deployment")[0].spec.template;
    const c = pod.spec.containers[0];
    expect(c.livenessProbe.httpGet.path).toBe("/healthz");
    expect(c.readinessProbe.httpGet.path).toBe("/readyz");
    expect(c.ports.map((p: any) => p.name)).toContain(c.livenessProbe.httpGet.port);
    expect(c.lifecycle.preStop.exec.command).toEqual(["sleep", "5"]);
    // preStop, then serve drains (its stop gives in-flight work up to 30 s).
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(5 + 30);
    for (const name of ["DATABASE_URL", "AMQP_URL"]) expect(c.env.find((e: any) => e.name === name).valueFrom.secretKeyRef.name).toBe("ozg-hub-secrets");
    expect(JSON.stringify(all)).not.toMatch(/postgres:\/\/[^@"]+:[^@"]+@|amqp:\/\/[^@"]+:[^@"]+@/);
    expect(pod.spec.securityContext.runAsUser).toBe(1000); // the image's user "node"
  });

  it("selects the pods with Service, PodDisruptionBudget and the same labels", async () => {
    const all = await objects();
    const podLabels = ofKind(all, "Deployment")[0].spec.template.metadata.labels;
    const matches = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => podLabels[k] === v);
    const service = ofKind(all, "Service")[0];
    expect(matches(service.spec.selector)).toBe(true);
    expect(service.spec.ports[0].targetPort).toBe("http");
    const pdb = ofKind(all, "PodDisruptionBudget")[0];
    expect(matches(pdb.spec.selector.matchLabels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeLessThan(ofKind(all, "Deployment")[0].spec.replicas);
  });

  it("runs `ozg-hub purge --older-than <days>` nightly, never two at once", async () => {
    const cron = ofKind(await objects(), "CronJob")[0];
    expect(cron.spec.concurrencyPolicy).toBe("Forbid");
    const c = cron.spec.jobTemplate.spec.template.spec.containers[0];
    expect([...c.command, ...c.args].slice(0, 4)).toEqual(["node", "bin/ozg-hub.mjs", "purge", "--older-than"]);
    expect(Number(c.args[2])).toBeGreaterThan(0);
  });

  it("mounts config and mappings so that ozg-hub loads them as it would in the pod", async () => {
    const all = await objects();
    const pod = ofKind(all, "Deployment")[0].spec.template.spec;
    const root = await mkdtemp(path.join(tmpdir(), "ozg-hub-pod-"));
    try {
      for (const m of pod.containers[0].volumeMounts.filter((m: any) => m.name === "config" || m.name === "mappings")) {
        const volume = pod.volumes.find((v: any) => v.name === m.name);
        const map = ofKind(all, "ConfigMap").find((cm: any) => cm.metadata.name === volume.configMap.name);
        // Every key is mounted, and only keys that exist.
        expect(volume.configMap.items.map((i: any) => i.key).sort()).toEqual(Object.keys(map.data).sort());
        for (const item of volume.configMap.items) {
          const file = path.join(root, m.mountPath, item.path);
          await mkdir(path.dirname(file), { recursive: true });
          await writeFile(file, map.data[item.key]);
        }
      }
      const env = pod.containers[0].env.find((e: any) => e.name === "OZG_HUB_CONFIG").value;
      const summary = (r: Awaited<ReturnType<typeof loadHubRuntime>>) =>
        r.ok
          ? {
              tenants: r.runtime.config.tenants.map((t) => t.id),
              portals: r.runtime.config.portals.map((p) => p.id),
              mappings: r.runtime.mappings.mappings.map((m) => m.id),
            }
          : r.problems;
      const inPod = summary(await loadHubRuntime(path.join(root, env)));
      expect(inPod).toEqual(summary(await loadHubRuntime(path.join(REPO, "config"))));
      expect((inPod as { mappings: string[] }).mappings.length).toBeGreaterThan(0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
