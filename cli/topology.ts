import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import type { HubConfig } from "../gateway/config/load.ts";
import { formatProblem } from "../gateway/config/load.ts";
import { messageOf } from "../gateway/errors.ts";
import { brokerAddress } from "../gateway/events/asyncapi.ts";
import { topologyOf } from "../gateway/publish/topology.ts";
import { rejectionQueue, statusNames } from "../gateway/status/consumer.ts";
import { configSpec } from "./hub.ts";
import { loadRuntime } from "../gateway/runtime.ts";
import { envSettings } from "../gateway/services.ts";
import { badUsage, type BadUsage } from "./usage.ts";

export const TOPOLOGY_USAGE = `  topology [--apply]   per tenant a RabbitMQ user that reaches only its own queues; --apply sets them with rabbitmqctl`;

/** One tenant's broker user and the permission regexes (configure, write, read) that confine it. */
export interface TenantAccess {
  tenantId: string;
  user: string;
  passwordEnv: string;
  queues: string[];
  configure: string;
  write: string;
  read: string;
  /** Topic permission on the status exchange: the routing keys this tenant may publish with. */
  topic: { exchange: string; write: string; read: string };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Per tenant: read on its own queues, their dead-letter queues and its queue of rejected status
 * events, nothing else. No configure
 * (no declaring, deleting or binding anywhere: the hub owns the topology), no write (no
 * publishing into any exchange, and no binding, which needs write on the queue). Read is not
 * granted on the hub's exchange either, since read on an exchange is what binding from it
 * needs: a tenant can never route another tenant's applications to itself.
 * Write is granted on one exchange only, the status exchange, and a topic permission there
 * limits the routing keys to `<tenant>.…`: a tenant cannot report in another tenant's name.
 */
export function tenantAccess(config: HubConfig): TenantAccess[] {
  const t = topologyOf(config);
  const names = statusNames(config.gateway);
  const status = names.exchange;
  return config.tenants.map((tenant) => {
    const queues = [...t.queues.filter((q) => q.tenantId === tenant.id).flatMap((q) => [q.queue, q.deadLetterQueue]), rejectionQueue(names, tenant.id)];
    return {
      tenantId: tenant.id,
      user: tenant.amqp?.user ?? `${config.gateway.amqp.queuePrefix}-${tenant.id}`,
      passwordEnv: tenant.amqp?.passwordEnv ?? `OZG_HUB_AMQP_PASSWORD_${tenant.id.toUpperCase().replace(/-/g, "_")}`,
      queues,
      configure: "^$",
      write: `^${escape(status)}$`,
      read: queues.length > 0 ? `^(${queues.map(escape).join("|")})$` : "^$",
      topic: { exchange: status, write: `^${escape(tenant.id)}\\.`, read: "^$" },
    };
  });
}

/** The virtual host of an AMQP URL (of the first, for a list of nodes): `/` unless the path names another. */
export function vhostOf(amqpUrl: string): string {
  return brokerAddress(amqpUrl).vhost;
}

export interface Rabbitmqctl {
  run(args: string[], stdin?: string): Promise<string>;
}

const exec = promisify(execFile);

/** rabbitmqctl on this machine; a password is passed on stdin, never on the command line. */
export const localRabbitmqctl: Rabbitmqctl = {
  async run(args, stdin) {
    if (stdin === undefined) return (await exec("rabbitmqctl", args, { timeout: 60_000 })).stdout;
    return new Promise((resolve, reject) => {
      const child = spawn("rabbitmqctl", args, { stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      child.once("error", reject);
      child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`rabbitmqctl ${args[0]} failed: ${err.trim() || out.trim()}`))));
      child.stdin.end(stdin);
    });
  },
};

/**
 * Creates missing users (password from the tenant's environment variable), changes the
 * password of existing ones when the variable is set, and sets the permissions. Returns one
 * line per action; a tenant whose new user has no password is reported and skipped.
 */
export async function applyAccess(
  list: TenantAccess[],
  vhost: string,
  ctl: Rabbitmqctl,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ lines: string[]; failed: number }> {
  const existing = new Set((JSON.parse(await ctl.run(["list_users", "--formatter", "json", "--quiet"])) as { user: string }[]).map((u) => u.user));
  const lines: string[] = [];
  let failed = 0;
  for (const a of list) {
    const password = env[a.passwordEnv];
    if (!existing.has(a.user)) {
      if (!password) {
        lines.push(`${a.tenantId}: user ${a.user} does not exist and ${a.passwordEnv} is not set: skipped`);
        failed++;
        continue;
      }
      await ctl.run(["add_user", a.user], password);
      lines.push(`${a.tenantId}: created user ${a.user}`);
    } else if (password) {
      await ctl.run(["change_password", a.user], password);
      lines.push(`${a.tenantId}: set the password of ${a.user} from ${a.passwordEnv}`);
    }
    await ctl.run(["set_permissions", "-p", vhost, a.user, a.configure, a.write, a.read]);
    await ctl.run(["set_topic_permissions", "-p", vhost, a.user, a.topic.exchange, a.topic.write, a.topic.read]);
    lines.push(`${a.tenantId}: permissions of ${a.user} on ${vhost} set`);
  }
  return { lines, failed };
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `ozg-hub topology [--apply]`: prints every tenant's user and permissions; applies them on request. */
export async function topologyCommand(argv: string[], ctl: Rabbitmqctl = localRabbitmqctl): Promise<number | BadUsage> {
  const unexpected = argv.find((a) => a !== "--apply");
  if (unexpected !== undefined) return badUsage(`unexpected argument "${unexpected}": only --apply`);
  const env = envSettings();
  const loaded = await loadRuntime(env.configDir, configSpec);
  if (!loaded.ok) {
    for (const p of loaded.problems) console.error(formatProblem(p));
    return 1;
  }
  const config = loaded.runtime.config;
  const vhost = vhostOf(env.amqpUrl);
  const list = tenantAccess(config);
  const t = topologyOf(config);
  console.log(`exchange ${t.exchange} (dead letters: ${t.deadLetterExchange}), vhost ${vhost}; only ozg-hub's own user may configure and write these`);
  for (const a of list) {
    console.log(`\ntenant ${a.tenantId}: user ${a.user} (password from ${a.passwordEnv})`);
    console.log(`  queues     ${a.queues.join(", ") || "(none)"}`);
    console.log(`  configure  ${a.configure}`);
    console.log(`  write      ${a.write}`);
    console.log(`  read       ${a.read}`);
    console.log(`  topic      ${a.topic.exchange}: write ${a.topic.write}`);
    console.log(`  rabbitmqctl set_permissions -p ${quote(vhost)} ${quote(a.user)} ${quote(a.configure)} ${quote(a.write)} ${quote(a.read)}`);
    console.log(
      `  rabbitmqctl set_topic_permissions -p ${quote(vhost)} ${quote(a.user)} ${quote(a.topic.exchange)} ${quote(a.topic.write)} ${quote(a.topic.read)}`,
    );
  }
  if (!argv.includes("--apply")) return 0;
  console.log("");
  try {
    const { lines, failed } = await applyAccess(list, vhost, ctl);
    for (const l of lines) console.log(l);
    return failed === 0 ? 0 : 1;
  } catch (err) {
    console.error(`topology --apply failed: ${messageOf(err)}`);
    return 1;
  }
}
