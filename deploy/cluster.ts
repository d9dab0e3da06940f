import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Secret } from "kubernetes-models/v1";
import { NAME } from "./manifests.ts";

/**
 * The cluster variant beside deploy/ozg-hub.yaml: RabbitMQ as three nodes with quorum queues
 * (RabbitMQ Cluster Operator) and Postgres with a synchronous standby (CloudNativePG), written
 * to deploy/ozg-hub-cluster.yaml. ozg-hub itself is the same Deployment: its Secret names the
 * three broker nodes (it moves to the next when one goes) and the read-write service of the
 * Postgres cluster (which follows the primary across a failover). The two operators' resources
 * are plain objects: kubernetes-models has no schemas for them; test/deploy checks their fields.
 */

export const RABBITMQ = "ozg-rabbitmq";
export const POSTGRES = "ozg-postgres";
const labels = { "app.kubernetes.io/part-of": NAME };

/** The broker nodes by their stable pod names behind the operator's headless service. */
export const brokerNodes = [0, 1, 2].map((i) => `${RABBITMQ}-server-${i}.${RABBITMQ}-nodes`);

export function clusterManifests(): { toJSON(): unknown }[] {
  const rabbitmq = {
    apiVersion: "rabbitmq.com/v1beta1",
    kind: "RabbitmqCluster",
    metadata: { name: RABBITMQ, labels },
    spec: {
      replicas: 3,
      // Quorum queues (ozg-hub declares its queues as such) replicate to all three nodes; a
      // node cut off in a minority pauses rather than accepting what the majority cannot see.
      rabbitmq: { additionalConfig: "default_queue_type = quorum\ncluster_partition_handling = pause_minority\n" },
      persistence: { storage: "20Gi" },
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } },
    },
  };
  const postgres = {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Cluster",
    metadata: { name: POSTGRES, labels },
    spec: {
      instances: 3,
      // Every commit waits for one synchronous standby: a failover loses nothing that ozg-hub
      // acknowledged. With two standbys, one may be away (maintenance) without blocking commits.
      minSyncReplicas: 1,
      maxSyncReplicas: 1,
      enablePDB: true, // the operator's own PodDisruptionBudgets for primary and standbys
      primaryUpdateStrategy: "unsupervised",
      bootstrap: { initdb: { database: "ozghub", owner: "ozghub" } },
      storage: { size: "50Gi" },
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } },
    },
  };
  // The RabbitMQ operator makes no PodDisruptionBudget: keep a quorum (two of three) up.
  const rabbitPdb = new PodDisruptionBudget({
    metadata: { name: RABBITMQ, labels },
    spec: { maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": RABBITMQ } } },
  });
  // A template: fill in the two passwords (from the operators' secrets ozg-rabbitmq-default-user
  // and ozg-postgres-app, or your own users) before applying, e.g. with envsubst.
  const secret = new Secret({
    metadata: { name: `${NAME}-secrets`, labels },
    type: "Opaque",
    stringData: {
      "amqp-url": brokerNodes.map((host) => `amqp://ozg-hub:\${AMQP_PASSWORD}@${host}:5672`).join(","),
      "database-url": `postgres://ozghub:\${DATABASE_PASSWORD}@${POSTGRES}-rw:5432/ozghub?sslmode=require`,
    },
  });
  return [rabbitmq, rabbitPdb, postgres, secret].map((o) => ("toJSON" in o ? o : { toJSON: () => o }));
}
