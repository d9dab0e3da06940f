import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { rowCounts } from "../test/support/database.ts";
import { REPO, startTestHub, TOKENS } from "../test/support/hub.ts";
import { startedForSuite } from "../test/support/suite.ts";

/**
 * One message, several records, end to end against Postgres and RabbitMQ: the three notices of
 * the composed KoSIT message become three applications, each routed by its own municipality,
 * all tied to the one delivery; every real multi-notice example (KoSIT's) becomes one application
 * per satz. Deliver-with-warnings and a strict tenant, likewise.
 */
const fixture = (format: string, name: string) => readFile(path.join(REPO, "mappings", format, "fixtures", name), "utf8");
const auth = { authorization: `Bearer ${TOKENS.formsolutions}` };

/** Gives the n-th gemeindeSchluessel (one per satz) a new code. */
function withMunicipalities(xml: string, codes: string[]): string {
  let i = 0;
  return xml.replace(/(<xga:gemeindeSchluessel[^>]*>\s*<code>)\d{8}(<\/code>)/g, (_m, a: string, b: string) => `${a}${codes[i++]}${b}`);
}

describe("a message with several records", () => {
  const hub = startedForSuite(() => startTestHub());

  async function post(body: string, key: string, contentType = "application/xml") {
    const res = await hub.app.request("/api/v1/deliveries", {
      method: "POST",
      headers: { ...auth, "content-type": contentType, "idempotency-key": key },
      body,
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { id: string; state: string; applications?: { id: string; tenantId: string }[] };
  }

  it("becomes one application per notice, each in its own municipality's queues", async () => {
    const xml = withMunicipalities(await fixture("xgewerbeanzeige", "kosit-2-2-drei-saetze.input.xml"), ["01002000", "09761000", "01002000"]);
    const receipt = await post(xml, "three-notices");
    expect(receipt.state).toBe("routed");
    expect(receipt.applications?.map((a) => a.tenantId)).toEqual(["kiel", "augsburg", "kiel"]);

    const kiel = await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: 2 });
    const augsburg = await hub.broker.drain(hub.queue("augsburg", "gewerbe"), { atLeast: 1 });
    expect([kiel.length, augsburg.length]).toEqual([2, 1]);
    expect((await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 2 })).length).toBe(2);
    expect((await hub.broker.drain(hub.queue("augsburg", "dms"), { atLeast: 1 })).length).toBe(1);

    const events = [...kiel, ...augsburg].map((m) => (m.body as any).data).sort((a, b) => a.content.record.index - b.content.record.index);
    expect(events.map((e) => [e.content.record.index, e.content.record.count, e.service.name, e.recipient.ags])).toEqual([
      [0, 3, "Gewerbeanmeldung", "01002000"],
      [1, 3, "Gewerbeabmeldung", "09761000"],
      [2, 3, "Gewerbeanmeldung", "01002000"],
    ]);
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(receipt.applications!.map((a) => a.id)));
    // Each event holds its own notice beside the shared header, never a neighbour's.
    expect(JSON.stringify(events[1].content.document)).toContain("fa451600-bc31-4f5e-af13-82dff1c104ac");
    expect(JSON.stringify(events[1].content.document)).not.toContain("Tibor");
    expect(JSON.stringify(events[0].content.document)).not.toContain("Rais");
    for (const e of events) expect(JSON.stringify(e.content.document)).toContain("Phantasie-Verteilplattform");

    const status = (await (await hub.app.request(`/api/v1/applications/${receipt.id}`, { headers: auth })).json()) as any;
    expect(status.applications.map((a: { tenantId: string }) => a.tenantId).sort()).toEqual(["augsburg", "kiel", "kiel"]);
    expect(status.timeline.filter((e: { type: string }) => e.type === "routed").map((e: any) => [e.detail.record, e.detail.tenant])).toEqual([
      [1, "kiel"],
      [2, "augsburg"],
      [3, "kiel"],
    ]);
    // Records for different tenants: the delivery (attachments, original bytes) belongs to none.
    expect(status.tenant).toBeNull();
  });

  // Every multi-notice message among the fixtures (KoSIT's own examples and the composed one):
  // as many applications as the message has satz, in order, none lost on the way.
  const multiNotice = [
    ["kosit-2-0-invalid-xsd-anmeldung-abmeldung", ["Gewerbeanmeldung", "Gewerbeabmeldung"]],
    ["kosit-2-1-invalid-sch-drei-saetze", ["Gewerbeanmeldung", "Gewerbeummeldung", "Gewerbeabmeldung"]],
    ["kosit-2-1-invalid-xsd-anmeldung-ummeldung", ["Gewerbeanmeldung", "Gewerbeummeldung"]],
    ["kosit-2-2-drei-saetze", ["Gewerbeanmeldung", "Gewerbeabmeldung", "Gewerbeanmeldung"]],
  ] as const;
  for (const [name, services] of multiNotice) {
    it(`${name}: one application per satz, none lost`, async () => {
      const original = await fixture("xgewerbeanzeige", `${name}.input.xml`);
      const satz = original.match(/<xga:satz\b/g)?.length ?? 0;
      expect(satz).toBe(services.length);
      const receipt = await post(withMunicipalities(original, Array(satz).fill("01002000")), `multi-${name}`);
      expect(receipt.state).toBe("routed");
      expect(receipt.applications?.map((a) => a.tenantId)).toEqual(Array(satz).fill("kiel"));
      const events = (await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: satz })).map((m) => (m.body as any).data);
      await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: satz });
      expect(events).toHaveLength(satz);
      events.sort((a, b) => a.content.record.index - b.content.record.index);
      expect(events.map((e) => [e.content.record.index, e.content.record.count, e.service.name])).toEqual(services.map((n, i) => [i, satz, n]));
      expect(new Set(events.map((e) => e.id))).toEqual(new Set(receipt.applications!.map((a) => a.id)));
    });
  }

  it("parks the whole message when one record cannot be routed, storing no application", async () => {
    const before = await rowCounts(hub.databaseUrl);
    const xml = withMunicipalities(await fixture("xgewerbeanzeige", "kosit-2-2-drei-saetze.input.xml"), ["01002000", "99999999", "01002000"]);
    const receipt = await post(xml, "three-notices-one-unknown");
    expect(receipt.state).toBe("parked");
    expect(receipt.applications).toEqual([]);
    const status = (await (await hub.app.request(`/api/v1/applications/${receipt.id}`, { headers: auth })).json()) as any;
    expect(status.parkReason.message).toMatch(/^record 2 of 3: no tenant for recipient/);
    const after = await rowCounts(hub.databaseUrl);
    expect(after.applications).toBe(before.applications);
    expect(after.outbox).toBe(before.outbox);
    expect(after.deliveries).toBe(before.deliveries! + 1);
    expect(await hub.broker.count(hub.queue("kiel", "gewerbe"))).toBe(0);
  });

  it("delivers with warnings, and parks for a tenant that is strict", async () => {
    // A notice that names no person at all: routable, but the canonical applicant is missing.
    const xml = (await fixture("xgewerbeanzeige", "abmeldung-minimal.input.xml")).replace(/<xga:beteiligtePerson>[\s\S]*<\/xga:beteiligtePerson>/, "");
    const receipt = await post(xml, "warnings-1");
    expect(receipt.state).toBe("routed");
    const [msg] = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
    expect((msg!.body as any).data.warnings).toEqual([{ path: "applicant.name", message: "no applicant name found in the source" }]);
    const status = (await (await hub.app.request(`/api/v1/applications/${receipt.id}`, { headers: auth })).json()) as any;
    expect(status.timeline.map((e: { type: string }) => e.type)).toContain("warnings");
    expect(status.timeline.find((e: { type: string }) => e.type === "warnings").detail.warnings).toEqual([
      { path: "applicant.name", message: "no applicant name found in the source" },
    ]);
    await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: 1 });

    const tenantFile = path.join(hub.configDir, "tenants/kiel.yaml");
    await writeFile(tenantFile, `${await readFile(tenantFile, "utf8")}\nstrict: true\n`);
    expect(await hub.services.reload()).toEqual({ ok: true });
    const before = await rowCounts(hub.databaseUrl);
    const strict = await post(xml.replace("b3f0d9a2", "c4e1a0b3"), "warnings-strict");
    expect(strict.state).toBe("parked");
    const parked = (await (await hub.app.request(`/api/v1/applications/${strict.id}`, { headers: auth })).json()) as any;
    expect(parked.parkReason.message).toContain("tenant kiel is strict and the application has 1 warning(s): applicant.name");
    const after = await rowCounts(hub.databaseUrl);
    expect([after.applications, after.outbox]).toEqual([before.applications, before.outbox]);
    const sql = postgres(hub.databaseUrl, { max: 1 });
    try {
      const [row] = await sql<{ tenant_id: string | null }[]>`select tenant_id from deliveries where id = ${strict.id}`;
      expect(row!.tenant_id).toBe("kiel");
    } finally {
      await sql.end();
    }
  });
});
