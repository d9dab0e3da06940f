import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "../test/support/process.ts";

const exec = promisify(execFile);
const BIN = "/usr/lib/rabbitmq/bin";

export function rabbitNodesAvailable(): boolean {
  return existsSync(path.join(BIN, "rabbitmq-server")) && existsSync(path.join(BIN, "rabbitmqctl"));
}

/**
 * A RabbitMQ cluster of its own on loopback from Debian's rabbitmq-server: node names, AMQP and
 * distribution ports, an epmd on a port of its own, mnesia and log directories and a cookie
 * under a temporary directory. The machine's own node (rabbit@localhost, 5672/25672, epmd 4369)
 * is never touched: /etc/rabbitmq's env file is bypassed and every command names its node.
 */
export class RabbitNodes {
  private readonly procs: (ChildProcess | undefined)[] = [];
  private epmdProcess: ChildProcess | undefined;
  private constructor(
    private readonly dir: string,
    private readonly tag: string,
    private readonly epmd: number,
    readonly ports: number[],
    private readonly distPorts: number[],
  ) {}

  static async start(count = 3): Promise<RabbitNodes> {
    const dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-rabbit-"));
    await mkdir(path.join(dir, "home"));
    await writeFile(path.join(dir, "home/.erlang.cookie"), `ozghub${Math.random().toString(36).slice(2)}`, { mode: 0o400 });
    await writeFile(path.join(dir, "plugins"), "[].\n");
    await writeFile(path.join(dir, "env.conf"), "");
    const ports: number[] = [];
    const dist: number[] = [];
    for (let i = 0; i < count; i++) {
      ports.push(await freePort());
      dist.push(await freePort());
    }
    const nodes = new RabbitNodes(dir, Math.random().toString(36).slice(2, 6), await freePort(), ports, dist);
    // This cluster's own epmd, as a child of ours (the nodes would start one as a daemon that outlives them).
    nodes.epmdProcess = spawn("/usr/bin/epmd", ["-port", String(nodes.epmd), "-address", "127.0.0.1"], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 300));
    try {
      await Promise.all(ports.map((_, i) => nodes.startNode(i)));
      for (let i = 1; i < count; i++) {
        await nodes.ctl(i, ["stop_app"]);
        await nodes.ctl(i, ["join_cluster", nodes.node(0)]);
        await nodes.ctl(i, ["start_app"]);
      }
    } catch (err) {
      const outputs = await Promise.all(ports.map((_, i) => nodes.output(i)));
      await nodes.stop();
      throw new Error(`RabbitMQ nodes did not start: ${String(err)}\n${outputs.join("\n---\n")}`, { cause: err });
    }
    return nodes;
  }

  node(i: number): string {
    return `ozg${this.tag}${i}@localhost`;
  }

  url(i: number): string {
    return `amqp://guest:guest@127.0.0.1:${this.ports[i]}`;
  }

  /** Every node, in order, as AMQP_URL takes them. */
  urls(): string {
    return this.ports.map((_, i) => this.url(i)).join(",");
  }

  private env(i: number): NodeJS.ProcessEnv {
    return {
      ...process.env,
      HOME: path.join(this.dir, "home"),
      RABBITMQ_CONF_ENV_FILE: path.join(this.dir, "env.conf"),
      RABBITMQ_NODENAME: this.node(i),
      RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
      RABBITMQ_NODE_PORT: String(this.ports[i]),
      RABBITMQ_DIST_PORT: String(this.distPorts[i]),
      ERL_EPMD_PORT: String(this.epmd),
      ERL_EPMD_ADDRESS: "127.0.0.1",
      RABBITMQ_MNESIA_BASE: path.join(this.dir, `n${i}/mnesia`),
      RABBITMQ_LOG_BASE: path.join(this.dir, `n${i}/log`),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(this.dir, "plugins"),
      RABBITMQ_PID_FILE: path.join(this.dir, `n${i}/pid`),
      RABBITMQ_CONFIG_FILE: path.join(this.dir, "none"),
      ERL_CRASH_DUMP: path.join(this.dir, `n${i}/erl_crash.dump`),
      // guest may log in over loopback only, which is all this cluster serves.
    };
  }

  async ctl(i: number, args: string[]): Promise<string> {
    const { stdout } = await exec(path.join(BIN, "rabbitmqctl"), ["-n", this.node(i), "-q", ...args], { env: this.env(i), cwd: this.dir, timeout: 60_000 });
    return stdout;
  }

  /** Starts node `i` and waits until it accepts AMQP connections. */
  async startNode(i: number): Promise<void> {
    await mkdir(path.join(this.dir, `n${i}/log`), { recursive: true });
    const out = await open(path.join(this.dir, `n${i}/out`), "a");
    const child = spawn(path.join(BIN, "rabbitmq-server"), [], { env: this.env(i), cwd: this.dir, stdio: ["ignore", out.fd, out.fd] });
    child.once("exit", () => void out.close());
    this.procs[i] = child;
    // await_startup gives up at once while the node has not yet registered with epmd.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const err = await this.ctl(i, ["await_startup", "--timeout", "60"]).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (err === undefined) return;
      if (Date.now() > deadline || child.exitCode !== null) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** kill -9 of node `i`'s Erlang VM: gone without a goodbye. */
  async kill(i: number): Promise<void> {
    const pid = Number((await readFile(path.join(this.dir, `n${i}/pid`), "utf8")).trim());
    process.kill(pid, "SIGKILL");
    this.procs[i] = undefined;
  }

  /** Stops node `i` in order (rabbitmqctl stop); startNode brings it back with its data. */
  async stopNode(i: number): Promise<void> {
    await this.ctl(i, ["stop"]).catch(() => {});
    this.procs[i] = undefined;
  }

  /** The end of node `i`'s console output, for a report when it does not start. */
  async output(i: number): Promise<string> {
    return (await readFile(path.join(this.dir, `n${i}/out`), "utf8").catch(() => "")).slice(-2000);
  }

  async stop(): Promise<void> {
    for (let i = 0; i < this.ports.length; i++) {
      const pid = await readFile(path.join(this.dir, `n${i}/pid`), "utf8").catch(() => "");
      if (pid.trim()) {
        try {
          process.kill(Number(pid.trim()), "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    this.epmdProcess?.kill("SIGKILL");
    await rm(this.dir, { recursive: true, force: true });
  }
}
