import { readFile } from "node:fs/promises";
import path from "node:path";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Secret } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { renderClusterManifests } from "../../deploy/render.ts";
import { brokerUrls } from "../../gateway/publish/nodes.ts";
import { REPO } from "../support/config.ts";

const FILE = path.join(REPO, "deploy/ozg-hub-cluster.yaml");

async function objects(): Promise<any[]> {
  return parseAllDocuments(await readFile(FILE, "utf8")).map((d) => d.toJSON());
}
const one = (all: any[], kind: string) => all.find((o) => o.kind === kind);

describe("deploy/ozg-hub-cluster.yaml", () => {
  it("is what deploy/generate.ts makes today, and its core objects validate against the Kubernetes schemas", async () => {
    expect(await readFile(FILE, "utf8"), "run: node --import tsx deploy/generate.ts").toBe(renderClusterManifests());
    const all = await objects();
    expect(all.map((o) => o.kind)).toEqual(["RabbitmqCluster", "PodDisruptionBudget", "Cluster", "Secret"]);
    expect(() => new PodDisruptionBudget(one(all, "PodDisruptionBudget")).validate()).not.toThrow();
    expect(() => new Secret(one(all, "Secret")).validate()).not.toThrow();
  });

  it("runs RabbitMQ as three nodes with quorum queues and a PodDisruptionBudget that keeps a majority", async () => {
    const all = await objects();
    const rabbit = one(all, "RabbitmqCluster");
    expect(rabbit.apiVersion).toBe("rabbitmq.com/v1beta1");
    expect(rabbit.spec.replicas).toBe(3);
    expect(rabbit.spec.rabbitmq.additionalConfig).toMatch(/^default_queue_type = quorum$/m);
    const pdb = one(all, "PodDisruptionBudget");
    // The operator labels the node pods with app.kubernetes.io/name: <cluster name>.
    expect(pdb.spec.selector.matchLabels).toEqual({ "app.kubernetes.io/name": rabbit.metadata.name });
    expect(pdb.spec.maxUnavailable).toBe(1);
  });

  it("runs Postgres with a synchronous standby and the operator's PodDisruptionBudgets", async () => {
    const pg = one(await objects(), "Cluster");
    expect(pg.apiVersion).toBe("postgresql.cnpg.io/v1");
    expect(pg.spec.instances).toBeGreaterThanOrEqual(3);
    expect(pg.spec.minSyncReplicas).toBe(1);
    expect(pg.spec.maxSyncReplicas).toBeGreaterThanOrEqual(pg.spec.minSyncReplicas);
    expect(pg.spec.enablePDB).toBe(true);
  });

  it("gives ozg-hub every broker node and the read-write endpoint in the Secret that deploy/ozg-hub.yaml reads", async () => {
    const all = await objects();
    const secret = one(all, "Secret");
    const rabbit = one(all, "RabbitmqCluster").metadata.name;
    const main = parseAllDocuments(await readFile(path.join(REPO, "deploy/ozg-hub.yaml"), "utf8")).map((d) => d.toJSON() as any);
    const container = main.find((o) => o.kind === "Deployment").spec.template.spec.containers[0];
    const refs = Object.fromEntries(container.env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => [e.name, e.valueFrom.secretKeyRef]));
    expect(refs.AMQP_URL).toEqual({ name: secret.metadata.name, key: "amqp-url" });
    expect(refs.DATABASE_URL).toEqual({ name: secret.metadata.name, key: "database-url" });
    const filled = (s: string) => s.replace(/\$\{[A-Z_]+\}/g, "secret");
    const nodes = brokerUrls(filled(secret.stringData["amqp-url"])).map((u) => new URL(u).hostname);
    expect(nodes).toEqual([0, 1, 2].map((i) => `${rabbit}-server-${i}.${rabbit}-nodes`));
    expect(new URL(filled(secret.stringData["database-url"])).hostname).toBe(`${one(all, "Cluster").metadata.name}-rw`);
    // Readiness follows Postgres alone: a broker outage must not take every pod out of service.
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
  });
});
