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

describe("the Postgres driver after its connection closed under a deferred write", () => {
  it("rejects the waiting queries with CONNECTION_CLOSED and keeps the process alive", async () => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", reproduction], {
      cwd: process.cwd(),
      env: { ...process.env, DATABASE_URL: inject("databaseUrl") },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(err).not.toContain("Cannot read properties of null");
    expect(code).toBe(0);
    expect(JSON.parse(out.trim())).toEqual(["CONNECTION_CLOSED", "CONNECTION_CLOSED"]);
  });
});
