import { randomBytes } from "node:crypto";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import amqp from "amqplib";
import { REPO, writeTestConfig } from "../test/support/config.ts";
import { createTestDatabase } from "../test/support/database.ts";
import { freePort, spawnHub, type HubProcess } from "../test/support/process.ts";
import { TcpProxy } from "../test/support/tcp-proxy.ts";
import { xtaGatewayConfig, xtaPortalYaml } from "./xta.ts";

export const TENANTS = ["kiel", "augsburg"] as const;
export const SUBSCRIBERS = ["gewerbe", "dms"] as const;

export interface ClusterOptions {
  databaseUrl: string;
  amqpUrl: string;
  instances: number;
  /** Put a TCP proxy between the instances and Postgres, so that it can be cut without stopping Postgres. */
  postgresProxy?: boolean;
}

/**
 * One chaos scenario's world: a database and broker names of its own, N `ozg-hub serve`
 * processes on fixed ports (so a restarted one is found at the same URL), and TCP proxies
 * between them and RabbitMQ (always) and Postgres (on request) that the faults can cut.
 */
export class Cluster {
  readonly procs: (HubProcess | undefined)[] = [];
  readonly ports: number[] = [];
  /** Exits the harness did not cause, with the end of the instance's output; each was restarted. */
  readonly crashes: { instance: number; at: number; output: string }[] = [];
  private readonly expectedExit = new Set<HubProcess>();
  private stopping = false;
  private constructor(
    readonly prefix: string,
    private readonly o: ClusterOptions,
    private readonly db: { url: string; drop(): Promise<void> },
    readonly configDir: string,
    private readonly mappingsDir: string,
    readonly brokerProxy: TcpProxy,
    readonly postgresProxy: TcpProxy | undefined,
  ) {}

  static async start(o: ClusterOptions): Promise<Cluster> {
    const db = await createTestDatabase(o.databaseUrl);
    const prefix = `chaos${randomBytes(3).toString("hex")}`;
    // Only the mappings the load uses (canonical JSON over REST, xdomea over XTA): mapping
    // work in progress elsewhere in the tree cannot stop a chaos run.
    const mappings = await mkdtemp(path.join(tmpdir(), "ozg-hub-chaos-mappings-"));
    for (const m of ["canonical", "xdomea"]) await cp(path.join(REPO, "mappings", m), path.join(mappings, m), { recursive: true });
    // Short backoff so that recovery time measures the pipeline, not a long sleep.
    const configDir = await writeTestConfig(prefix, {
      mappings,
      gateway: { relay: { batchSize: 200, pollIntervalMs: 200, backoffInitialMs: 100, backoffMaxMs: 1000 }, xta: xtaGatewayConfig },
    });
    await writeFile(path.join(configDir, "portals/xtaportal.yaml"), xtaPortalYaml);
    const amqpTarget = new URL(o.amqpUrl);
    const brokerProxy = await TcpProxy.start({ host: amqpTarget.hostname, port: Number(amqpTarget.port || 5672) });
    let postgresProxy: TcpProxy | undefined;
    if (o.postgresProxy) {
      const pg = new URL(db.url);
      postgresProxy = await TcpProxy.start({ host: pg.hostname, port: Number(pg.port || 5432) });
    }
    const c = new Cluster(prefix, o, db, configDir, mappings, brokerProxy, postgresProxy);
    try {
      for (let i = 0; i < o.instances; i++) c.ports.push(await freePort());
      await Promise.all(c.ports.map((_, i) => c.startInstance(i)));
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  get databaseUrl(): string {
    return this.db.url;
  }

  get urls(): string[] {
    return this.ports.map((p) => `http://127.0.0.1:${p}`);
  }

  queue(tenant: string, subscriber: string): string {
    return `${this.prefix}.${tenant}.${subscriber}`;
  }

  queues(): string[] {
    return TENANTS.flatMap((t) => SUBSCRIBERS.map((s) => this.queue(t, s)));
  }

  alive(i: number): boolean {
    const p = this.procs[i];
    return p !== undefined && p.child.exitCode === null && p.child.signalCode === null;
  }

  async startInstance(i: number): Promise<void> {
    const env = {
      DATABASE_URL: this.postgresProxy ? this.postgresProxy.url(this.db.url) : this.db.url,
      AMQP_URL: this.brokerProxy.url(this.o.amqpUrl),
      OZG_HUB_CONFIG: this.configDir,
    };
    const p = await spawnHub(env, this.ports[i]);
    this.procs[i] = p;
    // Like a process supervisor (systemd Restart=always, a Kubernetes pod): an instance that
    // exits on its own is started again, and the crash is reported. At most 10 per scenario.
    void p.exited.then(async () => {
      if (this.expectedExit.has(p) || this.stopping || this.procs[i] !== p) return;
      this.crashes.push({ instance: i, at: Date.now(), output: p.output.join("").slice(-3000) });
      if (this.crashes.length > 10) return;
      // A dependency may still be away (the crash's cause): try again, up to 20 times.
      for (let attempt = 0; attempt < 20 && !this.stopping; attempt++) {
        await new Promise((r) => setTimeout(r, 500));
        if (
          await this.startInstance(i).then(
            () => true,
            () => false,
          )
        )
          return;
      }
    });
  }

  /** kill -9: no drain, no goodbye; whatever was in flight is cut off. */
  async kill(i: number): Promise<void> {
    const p = this.procs[i];
    if (!p || !this.alive(i)) return;
    this.expectedExit.add(p);
    p.child.kill("SIGKILL");
    await p.exited;
  }

  /** Output of every instance, for a failure report. */
  output(): string {
    return this.procs.map((p, i) => `--- instance ${i}\n${p?.output.join("").slice(-4000) ?? ""}`).join("\n");
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const p of this.procs) {
      if (p && p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill("SIGTERM");
        const done = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r("timeout"), 10_000))]);
        if (done === "timeout") p.child.kill("SIGKILL");
      }
    }
    await this.brokerProxy.close();
    await this.postgresProxy?.close();
    await removeBrokerNames(this.o.amqpUrl, this.prefix, this.queues());
    await this.db.drop();
    await rm(this.configDir, { recursive: true, force: true });
    await rm(this.mappingsDir, { recursive: true, force: true });
  }
}

async function removeBrokerNames(amqpUrl: string, prefix: string, queues: string[]): Promise<void> {
  const conn = await amqp.connect(amqpUrl).catch(() => undefined);
  if (!conn) return;
  const ch = await conn.createChannel();
  ch.on("error", () => {});
  for (const q of queues) {
    await ch.deleteQueue(q).catch(() => {});
    await ch.deleteQueue(`${q}.dlq`).catch(() => {});
  }
  await ch.deleteExchange(`${prefix}.applications`).catch(() => {});
  await ch.deleteExchange(`${prefix}.dead-letter`).catch(() => {});
  await conn.close().catch(() => {});
}
