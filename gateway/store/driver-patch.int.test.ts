import { spawn } from "node:child_process";
import { describe, expect, inject, it } from "vitest";

/**
 * postgres.js 3.4.9 defers small writes to setImmediate; when the connection closes first, the
 * deferred write dereferences a null socket and throws outside any promise, which ends the
 * process (porsager/postgres#1154, #1208). patches/postgres+3.4.9.patch settles the waiting
 * queries with CONNECTION_CLOSED instead. This runs the known reproduction in a child process,
 * because an unpatched driver kills the process that runs it.
 */
const reproduction = `
import postgres from "postgres";
const url = process.env.DATABASE_URL;
const sql = postgres(url, { max: 2 });
const killer = postgres(url, { max: 1 });
const reserved = await sql.reserve();
const [{ pid }] = await reserved\`select pg_backend_pid() as pid\`;
await killer\`select pg_terminate_backend(\${pid})\`;
await new Promise((r) => setTimeout(r, 200));
const codes = [];
for (let i = 0; i < 2; i++) codes.push(await reserved\`select 1\`.then(() => "ok", (e) => e.code));
await sql.end({ timeout: 1 });
await killer.end({ timeout: 1 });
console.log(JSON.stringify(codes));
`;

/**
 * A new connection first asks for the array types; 3.4.9 drops that query's promise, so a
 * connection cut at that moment ends the process with an unhandled rejection
 * (porsager/postgres#1192, #1205). A proxy resets the first connection when it sees that query:
 * with the patch the waiting query fails like any query on a reset connection, the process lives
 * and the next query gets a new connection.
 */
const typesCut = `
import net from "node:net";
import postgres from "postgres";
const url = new URL(process.env.DATABASE_URL);
const database = { host: url.hostname, port: Number(url.port || 5432) };
let cuts = 0;
const proxy = net.createServer((client) => {
  const upstream = net.connect(database);
  client.on("data", (d) => {
    if (cuts === 0 && d.includes("pg_catalog.pg_type")) {
      cuts++;
      client.resetAndDestroy(); // a reset, as when the database goes away, not a clean close
      upstream.destroy();
      return;
    }
    upstream.write(d);
  });
  upstream.on("data", (d) => client.write(d));
  client.on("error", () => upstream.destroy()).on("close", () => upstream.destroy());
  upstream.on("error", () => client.destroy()).on("close", () => client.destroy());
});
await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
const unhandled = [];
process.on("unhandledRejection", (e) => unhandled.push(e.code ?? String(e)));
url.hostname = "127.0.0.1";
url.port = String(proxy.address().port);
const sql = postgres(url.toString(), { max: 1 });
const first = await sql\`select 1 as n\`.then((r) => r[0].n, (e) => e.code);
const next = await sql\`select 41 + 1 as n\`.then((r) => r[0].n, (e) => e.code);
await new Promise((r) => setTimeout(r, 100));
await sql.end({ timeout: 1 });
proxy.close();
console.log(JSON.stringify({ cuts, first, next, unhandled }));
`;

function runChild(script: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    cwd: process.cwd(),
    timeout: 30_000, // a child that hangs is killed, not left running after the test
    env: { ...process.env, DATABASE_URL: inject("databaseUrl") },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, out, err })));
}

describe("the Postgres driver when a new connection is cut while it fetches the array types", () => {
  it("fails the waiting query, answers the next one and leaves no unhandled rejection", async () => {
    const { code, out, err } = await runChild(typesCut);
    expect(code, err).toBe(0);
    expect(JSON.parse(out.trim())).toEqual({ cuts: 1, first: "ECONNRESET", next: 42, unhandled: [] });
  });
});

describe("the Postgres driver after its connection closed under a deferred write", () => {
  it("rejects the waiting queries with CONNECTION_CLOSED and keeps the process alive", async () => {
    const { code, out, err } = await runChild(reproduction);
    expect(err).not.toContain("Cannot read properties of null");
    expect(code).toBe(0);
    expect(JSON.parse(out.trim())).toEqual(["CONNECTION_CLOSED", "CONNECTION_CLOSED"]);
  });
});
