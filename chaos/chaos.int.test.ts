import { describe, expect, inject, it } from "vitest";
import { runChaos } from "./harness.ts";
import { printTable } from "./report.ts";

/**
 * The short chaos run (`npm run chaos -- --short`) as part of the test suite: every scenario,
 * a few seconds each, with TCP-proxy cuts standing in for stopping the shared RabbitMQ and
 * Postgres. No accepted application may be lost or land in a wrong queue.
 */
describe("chaos, short mode", () => {
  it("loses nothing and misroutes nothing under kill -9, broker and database outages, several instances", async () => {
    const lines: string[] = [];
    const results = await runChaos({ databaseUrl: inject("databaseUrl"), amqpUrl: inject("amqpUrl"), short: true, log: (l) => lines.push(l) });
    printTable(results, (l) => lines.push(l));
    console.log(lines.join("\n"));
    expect(results.map((r) => r.scenario)).toEqual(["kill-9", "broker-cut", "broker-down", "postgres-cut", "two-instances", "three-instances"]);
    for (const r of results) {
      expect(r.accepted, `${r.scenario}: nothing accepted proves nothing`).toBeGreaterThan(20);
      expect(r.acceptedXta, `${r.scenario}: XTA in the load`).toBeGreaterThan(3);
      expect(r.lost, `${r.scenario} lost ${r.lostIds.join(", ")}`).toBe(0);
      expect(r.misrouted, r.scenario).toBe(0);
      expect(r.delivered, r.scenario).toBe(r.accepted);
      expect(r.faults, r.scenario).toBeGreaterThan(0);
    }
  }, 240_000);
});
