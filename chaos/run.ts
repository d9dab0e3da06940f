/**
 * `npm run chaos [-- --short] [-- --only kill-9,broker-cut] [-- --cluster]`: steady REST load against real
 * `ozg-hub serve` processes while faults are injected in turns; prints accepted, delivered,
 * lost, duplicates, misrouted and recovery time per scenario. Exits 1 on any loss or misroute.
 *
 * The full mode stops RabbitMQ (rabbitmqctl stop_app/start_app) and restarts Postgres
 * (pg_ctlcluster) briefly: run it by hand, not next to other test runs. The short mode touches
 * neither and is what CI runs.
 */
import { spawnSync } from "node:child_process";
import { runChaos } from "./harness.ts";
import { printTable } from "./report.ts";

const args = process.argv.slice(2);
// --cluster: the cluster faults, each against servers of its own (three RabbitMQ nodes; a
// Postgres primary with a synchronous standby), never the machine's RabbitMQ or Postgres. The
// same files run in `npm test`; they print their figures.
if (args.includes("--cluster")) {
  const files = ["chaos/rabbitmq-cluster.int.test.ts", "chaos/postgres-failover.int.test.ts"];
  const run = spawnSync("npx", ["vitest", "run", "--reporter=verbose", ...files], { stdio: "inherit" });
  process.exit(run.status ?? 1);
}
const short = args.includes("--short");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? args[onlyAt + 1]?.split(",") : undefined;
const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const amqpUrl = process.env.AMQP_URL || "amqp://guest:guest@127.0.0.1:5672";

const started = Date.now();
console.log(`ozg-hub chaos — ${new Date().toISOString()} — ${short ? "short mode (CI-safe: shared RabbitMQ and Postgres are never stopped)" : "full mode"}`);
const results = await runChaos({ databaseUrl, amqpUrl, short, only });
console.log("");
printTable(results);
const bad = results.filter((r) => r.lost > 0 || r.misrouted > 0 || r.accepted === 0);
console.log(
  `\n${results.length} scenarios in ${((Date.now() - started) / 1000).toFixed(0)} s: ${bad.length === 0 ? "no loss, no misroute" : `FAILED: ${bad.map((r) => r.scenario).join(", ")}`}`,
);
process.exit(bad.length === 0 ? 0 : 1);
