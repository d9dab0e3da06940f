import { Cluster } from "./cluster.ts";
import { Recorder } from "./consumer.ts";
import { Load } from "./load.ts";
import { figures, type ScenarioFigures } from "./report.ts";
import { scenarios, type Scenario } from "./scenarios.ts";
import { TcpProxy } from "../test/support/tcp-proxy.ts";

export interface ChaosOptions {
  databaseUrl: string;
  amqpUrl: string;
  short: boolean;
  /** Run only these scenarios (by name). */
  only?: string[];
  log?: (line: string) => void;
}

/**
 * Runs every scenario in turn against its own database and broker names: start the cluster and
 * a recording consumer, send a steady load, inject the faults, stop the load, wait (bounded)
 * until every accepted application has reached its queues, and compare.
 */
export async function runChaos(o: ChaosOptions): Promise<ScenarioFigures[]> {
  const log = o.log ?? ((l: string) => console.log(l));
  const list = scenarios(o.short).filter((s) => !o.only || o.only.includes(s.name));
  const results: ScenarioFigures[] = [];
  for (const s of list) {
    log(`[chaos] ${s.name}: ${s.note}`);
    results.push(await runScenario(s, o, log));
    const r = results.at(-1)!;
    log(
      `[chaos] ${s.name}: accepted ${r.accepted}, delivered ${r.delivered}, lost ${r.lost}, duplicates ${r.duplicates}, misrouted ${r.misrouted}, crashes ${r.crashes}`,
    );
  }
  return results;
}

async function runScenario(s: Scenario, o: ChaosOptions, log: (line: string) => void): Promise<ScenarioFigures> {
  const durationMs = o.short ? 7000 : 30_000;
  const settleMs = o.short ? 30_000 : 120_000;
  const cluster = await Cluster.start({ databaseUrl: o.databaseUrl, amqpUrl: o.amqpUrl, instances: s.instances, postgresProxy: s.postgresProxy });
  const amqpTarget = new URL(o.amqpUrl);
  const consumerProxy = await TcpProxy.start({ host: amqpTarget.hostname, port: Number(amqpTarget.port || 5672) });
  const recorder = new Recorder(() => consumerProxy.url(o.amqpUrl), cluster.queues());
  try {
    await recorder.start();
    const load = new Load({
      tag: `${cluster.prefix}-${s.name}`,
      urls: () => {
        const live = cluster.urls.filter((_, i) => cluster.alive(i));
        return live.length > 0 ? live : cluster.urls;
      },
      queue: (t, sub) => cluster.queue(t, sub),
      ratePerSecond: o.short ? 15 : 25,
      xtaEvery: 4,
    });
    load.start();
    let faults;
    try {
      faults = await s.inject({ cluster, consumerProxy, durationMs });
    } finally {
      await load.stop();
    }
    for (const f of faults) log(`[chaos]   ${f.what}: ${f.end - f.start} ms`);
    // Wait until every accepted application reached all its queues, then a little longer so
    // that late duplicates are counted too.
    const deadline = Date.now() + settleMs;
    const want = () => {
      const got = new Set(recorder.delivered.map((d) => `${d.queue} ${d.sourceId}`));
      return load.sent.filter((x) => x.acceptedAt !== undefined && !x.expect.every((q) => got.has(`${q} ${x.sourceId}`))).length;
    };
    while (want() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1500));
    const r = figures(s.name, s.note, load.sent, recorder.delivered, faults);
    // A crash is a finding of its own, even when the restarted instance lost nothing.
    r.crashes = cluster.crashes.length;
    for (const c of cluster.crashes) log(`[chaos] ${s.name}: instance ${c.instance} exited without being killed (restarted):\n${c.output}`);
    if (r.lost > 0 || r.misrouted > 0) log(cluster.output());
    return r;
  } finally {
    await recorder.stop();
    await consumerProxy.close();
    await cluster.stop();
  }
}
