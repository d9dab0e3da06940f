import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);
/** Debian's server binaries (package postgresql-15). */
export const PG_BIN = "/usr/lib/postgresql/15/bin";

export function pgPairAvailable(): boolean {
  return existsSync(path.join(PG_BIN, "initdb")) && existsSync(path.join(PG_BIN, "pg_basebackup"));
}

/** Runs a server binary as the unprivileged user `postgres` (initdb and postgres refuse root). */
async function asPostgres(bin: string, args: string[]): Promise<string> {
  const cmd = path.join(PG_BIN, bin);
  const asRoot = process.getuid?.() === 0;
  const { stdout } = await exec(asRoot ? "runuser" : cmd, asRoot ? ["-u", "postgres", "--", cmd, ...args] : args, { timeout: 120_000 });
  return stdout;
}

/**
 * A Postgres primary and one streaming standby of its own on loopback, in a temporary directory
 * (never the machine's cluster): `initdb`, `pg_basebackup -R`, and for the faults
 * `pg_ctl stop -m immediate` (a crash) and `pg_ctl promote`. With `synchronous`, the primary's
 * commits wait for the standby (synchronous_standby_names names it).
 */
export class PgPair {
  private constructor(
    readonly dir: string,
    readonly ports: [number, number],
  ) {}

  static async start(o: { ports: [number, number]; synchronous: boolean }): Promise<PgPair> {
    const dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-pgpair-"));
    await chmod(dir, 0o777);
    const pair = new PgPair(dir, o.ports);
    const primary = pair.data(0);
    await asPostgres("initdb", ["-D", primary, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
    await appendFile(
      path.join(primary, "postgresql.conf"),
      [
        `port = ${o.ports[0]}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        "wal_level = replica",
        "max_wal_senders = 5",
        "fsync = off",
        o.synchronous ? "synchronous_standby_names = 'standby'" : "",
        "",
      ].join("\n"),
    );
    await pair.ctl(0, "start");
    await asPostgres("pg_basebackup", ["-h", "127.0.0.1", "-p", String(o.ports[0]), "-U", "postgres", "-D", pair.data(1), "-R", "-X", "stream"]);
    await appendFile(path.join(pair.data(1), "postgresql.conf"), `port = ${o.ports[1]}\ncluster_name = 'standby'\n`);
    await pair.ctl(1, "start");
    return pair;
  }

  data(i: 0 | 1): string {
    return path.join(this.dir, i === 0 ? "primary" : "standby");
  }

  url(i: 0 | 1, db = "postgres"): string {
    return `postgres://postgres@127.0.0.1:${this.ports[i]}/${db}`;
  }

  /** Both hosts in one URL (postgres.js tries them in order); `primary` skips a standby. */
  multiHostUrl(order: [0 | 1, 0 | 1], db = "postgres", attrs = "primary"): string {
    return `postgres://postgres@${order.map((i) => `127.0.0.1:${this.ports[i]}`).join(",")}/${db}?target_session_attrs=${attrs}`;
  }

  async ctl(i: 0 | 1, action: "start" | "crash" | "promote"): Promise<void> {
    const args =
      action === "start"
        ? ["-D", this.data(i), "-l", path.join(this.dir, `${i}.log`), "-w", "start"]
        : action === "crash"
          ? ["-D", this.data(i), "-m", "immediate", "-w", "stop"]
          : ["-D", this.data(i), "-w", "promote"];
    await asPostgres("pg_ctl", args);
  }

  async stop(): Promise<void> {
    for (const i of [0, 1] as const) await asPostgres("pg_ctl", ["-D", this.data(i), "-m", "immediate", "stop"]).catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}
