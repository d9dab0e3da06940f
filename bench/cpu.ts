import { readdirSync, readFileSync } from "node:fs";

/** CPU ticks (user + system, in clock ticks of 1/100 s) per process group, read from /proc. */
type Ticks = Map<string, number>;

/** Where the machine's CPU went while a benchmark step ran, as shares of one core. */
export interface CpuSplit {
  /** Share of the machine (all cores) that was busy. */
  machineBusy: number;
  /** Per group: cores used on average (1 = one full core). */
  cores: Record<string, number>;
}

function machineTicks(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

/** A process's name and its user and system CPU ticks (1/100 s), from /proc (Linux only). */
export function processStat(pid: number): { comm: string; user: number; system: number } {
  const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
  return { comm: raw.slice(raw.indexOf("(") + 1, raw.lastIndexOf(")")), user: Number(fields[11]), system: Number(fields[12]) };
}

function processTicks(groupOf: (pid: number, comm: string) => string | undefined): Ticks {
  const out: Ticks = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = processStat(Number(entry));
      const group = groupOf(Number(entry), stat.comm);
      if (!group) continue;
      out.set(group, (out.get(group) ?? 0) + stat.user + stat.system);
    } catch {
      // the process ended between listing and reading
    }
  }
  return out;
}

/**
 * Measures how the CPU of this machine was shared while `step` ran: the ozg-hub process (or the
 * process `hubPid` under the name `hubName`), Postgres,
 * RabbitMQ and this benchmark process (load client and consumer). Linux only; elsewhere the
 * split is empty. Processes that ended during the step are not counted.
 */
export async function cpuSplit<T>(hubPid: number, step: () => Promise<T>, hubName = "ozg-hub"): Promise<{ result: T; split?: CpuSplit }> {
  const groupOf = (pid: number, comm: string) =>
    pid === hubPid ? hubName : pid === process.pid ? "load client" : comm === "postgres" ? "postgres" : comm === "beam.smp" ? "rabbitmq" : undefined;
  let before: { m: ReturnType<typeof machineTicks>; p: Ticks; at: number };
  try {
    before = { m: machineTicks(), p: processTicks(groupOf), at: Date.now() };
  } catch {
    return { result: await step() };
  }
  const result = await step();
  const seconds = (Date.now() - before.at) / 1000;
  const m = machineTicks();
  const p = processTicks(groupOf);
  const cores: Record<string, number> = {};
  for (const [group, ticks] of p) cores[group] = (ticks - (before.p.get(group) ?? 0)) / 100 / seconds;
  return { result, split: { machineBusy: (m.busy - before.m.busy) / (m.total - before.m.total), cores } };
}
