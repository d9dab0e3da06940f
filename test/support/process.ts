import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { REPO } from "./config.ts";

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

// Children die with the test worker or benchmark that started them, even when it fails.
const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

export interface HubProcess {
  child: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<number | null>;
}

/** `ozg-hub serve` as a child process, ready when /healthz (or, with `ready`, /readyz) answers. */
export async function spawnHub(
  env: { DATABASE_URL: string; AMQP_URL: string; OZG_HUB_CONFIG: string },
  port?: number,
  opts: { ready?: boolean; nodeArgs?: string[] } = {},
): Promise<HubProcess> {
  const p = port ?? (await freePort());
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), path.join(REPO, "bin/ozg-hub.mjs"), "serve"], {
    cwd: REPO,
    env: { ...process.env, ...env, PORT: String(p), HOST: "127.0.0.1", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const output: string[] = [];
  child.stdout!.on("data", (d) => output.push(String(d)));
  child.stderr!.on("data", (d) => output.push(String(d)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${p}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ozg-hub exited early:\n${output.join("")}`);
    const ok = await fetch(`${url}/${opts.ready ? "readyz" : "healthz"}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`ozg-hub did not start:\n${output.join("")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, output, exited };
}

/** An output stream for a CLI command under test that collects its lines in `lines`. */
export function into(lines: string[]): (line: string) => void {
  return (line) => void lines.push(line);
}
