import { spawn } from "node:child_process";
import path from "node:path";
import { REPO } from "../test/support/config.ts";
import { freePort } from "../test/support/process.ts";

/** The naive peer (bench/peer.ts) as a process of its own, like ozg-hub, ready when it listens. */
export async function spawnPeer(env: {
  DATABASE_URL: string;
  AMQP_URL: string;
  /** Comma-separated: the peer publishes each delivery to every one. */
  PEER_QUEUES: string;
}): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO, "bench/peer.ts")], {
    cwd: REPO,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  process.once("exit", () => child.kill("SIGKILL"));
  const output: string[] = [];
  child.stderr!.on("data", (d) => output.push(String(d)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d) => String(d).includes("listening") && resolve());
    child.once("exit", () => reject(new Error(`peer exited early:\n${output.join("")}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
