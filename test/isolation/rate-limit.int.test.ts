import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../support/database.ts";
import { postAntrag } from "../support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../support/hub.ts";

describe("per-portal rate limit on the REST intake", () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
    const file = path.join(hub.configDir, "portals", "formsolutions.yaml");
    const doc = parse(await readFile(file, "utf8"));
    // Slow enough that no token comes back while the test runs.
    doc.rateLimit = { perSecond: 0.01, burst: 2 };
    await writeFile(file, stringify(doc));
    expect(await hub.services.reload()).toEqual({ ok: true });
  });
  afterAll(async () => {
    await hub?.stop();
  });

  const send = (token: string, transactionId: string) => postAntrag(hub, { transactionId }, { headers: { authorization: `Bearer ${token}` } });

  it("answers 429 with Retry-After beyond the burst, stores nothing, and leaves other portals alone", async () => {
    expect((await send(TOKENS.formsolutions, "rl-1")).status).toBe(202);
    expect((await send(TOKENS.formsolutions, "rl-2")).status).toBe(202);
    const before = await rowCounts(hub.databaseUrl);
    const refused = await send(TOKENS.formsolutions, "rl-3");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect((await refused.json()).type).toBe("urn:ozg-hub:problem:rate-limited");
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    // The other portal has no limit and is not slowed by the first one's.
    for (let i = 0; i < 5; i++) expect((await send(TOKENS.serviceportal, `sp-${i}`)).status).toBe(202);
    const metrics = await hub.services.metrics.registry.getSingleMetricAsString("ozg_hub_deliveries_total");
    expect(metrics).toMatch(/outcome="rate_limited"[^\n]* 1/);
  });
});
