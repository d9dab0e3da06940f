import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import jose from "node-jose";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../gateway/logger.ts";
import { adapterPort } from "../../gateway/port/port.ts";
import { createServices } from "../../gateway/services.ts";
import { rowCounts } from "../../test/support/database.ts";
import type { TestHub } from "../../test/support/hub.ts";
import { rsaJwk, type FitConnectServer } from "./fixtures/fit-connect-server.ts";
import { fimData, fitConnectTestbed, until, type Testbed } from "./fixtures/testbed.ts";
import { fitconnectAdapter } from "./index.ts";
import { configSpec } from "../index.ts";

const PROBLEMS = "https://schema.fitko.de/fit-connect/events/problems/";
const ACCEPT = "https://schema.fitko.de/fit-connect/events/accept-submission";
const REJECT = "https://schema.fitko.de/fit-connect/events/reject-submission";

/**
 * ozg-hub as a FIT-Connect subscriber against a local Submission API whose submissions are
 * encrypted, and whose check of ozg-hub's events is done, by node-jose (fixtures/).
 */
describe("FIT-Connect pickup", () => {
  let t: Testbed;
  let hub: TestHub;
  let server: FitConnectServer;
  let destinationId: string;
  let signature: Testbed["signature"];
  const deliver = (url: string, init: RequestInit) => t.deliver(url, init);
  const submit: Testbed["submit"] = (patch) => t.submit(patch);
  const decisionOf = (submissionId: string) => t.decisionOf(submissionId);

  beforeAll(async () => {
    t = await fitConnectTestbed();
    ({ hub, server, destinationId, signature } = t);
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it("delivers a submission with three attachments to the destination's tenant and accepts it with a verifiable event", async () => {
    const s = await submit();
    // A forged accept in the case log (signed by a key that is not the destination's) is not trusted.
    const forger = await jose.JWK.asKey(rsaJwk("signature", 2048).privateJwk as object);
    server.inject(
      s.caseId,
      (await jose.JWS.createSign({ format: "compact", alg: "PS512", fields: { typ: "secevent+jwt", kid: String(signature.privateJwk.kid) } }, forger)
        .update(
          JSON.stringify({
            jti: randomUUID(),
            iss: destinationId,
            iat: 1,
            sub: `submission:${s.submissionId}`,
            txn: `case:${s.caseId}`,
            events: { [ACCEPT]: {} },
          }),
        )
        .final()) as unknown as string,
    );
    expect((await server.notify(destinationId, deliver)).status).toBe(204);

    const event = await decisionOf(s.submissionId);
    // node-jose verified the signature against the destination's registered key before taking it.
    expect(event.header).toMatchObject({ typ: "secevent+jwt", alg: "PS512", kid: signature.publicJwk.kid });
    expect(event.payload).toMatchObject({ iss: destinationId, sub: `submission:${s.submissionId}`, txn: `case:${s.caseId}` });
    expect(Object.keys(event.payload.events)).toEqual([ACCEPT]);
    const tags = event.payload.events[ACCEPT].authenticationTags;
    expect(Object.keys(tags.attachments).sort()).toEqual([...s.attachmentIds].sort());

    const [message] = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
    const app = (message!.body as { data: Record<string, any> }).data;
    expect(app.sourceFormat).toBe("fitconnect-submission");
    expect(app.sourceId).toBe(s.submissionId);
    expect(app.service.leikaKeys).toEqual(["99050012104000"]);
    expect(app.recipient).toEqual({ organisationUnitId: "9030229" });
    expect(app.applicant.name).toBe("Jörn-Åke Sørensen");
    expect(app.attachments.map((a: { name: string; group: string }) => `${a.group}:${a.name}`)).toEqual([
      "form:Gewerbeanmeldung.pdf",
      "attachment:Meisterbrief.pdf",
      "attachment:Lichtbild.jpg",
    ]);
    expect(app.data.content).toEqual(JSON.parse(fimData.toString("utf8")));
    expect(app.data.fitconnect).toMatchObject({ caseId: s.caseId, destinationId, replyChannel: "eMail", payment: { status: "BOOKED" } });
    expect(server.posted.filter((e) => e.caseId === s.caseId)).toHaveLength(1);
    expect(hub.logs.some((l) => l.includes("signature does not verify") && l.includes(s.caseId))).toBe(true);
  });

  for (const [tamper, instance, type] of [
    ["data-hash", "data", "hash-mismatch"],
    ["invalid-metadata", "metadata", "schema-violation"],
    ["attachment-wrong-key", "attachment:1", "encryption-issue"],
    ["attachment-exchanged", "attachment:0", "incorrect-authentication-tag"],
  ] as const) {
    it(`rejects a submission with ${tamper} (${type}) and delivers nothing`, async () => {
      const before = await rowCounts(hub.databaseUrl);
      const s = await submit({ tamper });
      await server.notify(destinationId, deliver);
      const event = await decisionOf(s.submissionId);
      expect(Object.keys(event.payload.events)).toEqual([REJECT]);
      const problems = event.payload.events[REJECT].problems as { type: string; instance: string; title: string }[];
      expect(problems).toHaveLength(1);
      expect(problems[0]!.type).toBe(PROBLEMS + type);
      const at = /^attachment:(\d)$/.exec(instance);
      expect(problems[0]!.instance).toBe(at ? `attachment:${s.attachmentIds[Number(at[1])]}` : instance);
      expect(await rowCounts(hub.databaseUrl)).toEqual(before);
      expect(await hub.broker.count(hub.queue("kiel", "dms"))).toBe(0);
      expect(server.posted.filter((e) => e.caseId === s.caseId)).toHaveLength(1);
    });
  }

  it("rejects a submission whose case log lacks the platform's submit-submission event, without fetching it", async () => {
    const before = await rowCounts(hub.databaseUrl);
    server.recordSubmitEvents = false;
    let s: Awaited<ReturnType<typeof submit>>;
    try {
      s = await submit();
    } finally {
      server.recordSubmitEvents = true;
    }
    await server.notify(destinationId, deliver);
    const event = await decisionOf(s.submissionId);
    expect(event.payload.events[REJECT].problems).toEqual([
      expect.objectContaining({ type: PROBLEMS + "missing-authentication-tags", instance: "submission", title: "Authentication-Tags fehlen" }),
    ]);
    expect(server.fetches.get(s.submissionId)).toBeUndefined();
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    expect(await hub.broker.count(hub.queue("kiel", "dms"))).toBe(0);
  });

  it("refuses a forged or stale callback without polling, and polls on a genuine one", async () => {
    const s = await submit();
    expect((await server.notify(destinationId, deliver, { secret: "not-the-secret" })).status).toBe(401);
    expect((await server.notify(destinationId, deliver, { ageSeconds: 600 })).status).toBe(400);
    await new Promise((r) => setTimeout(r, 1500));
    expect(server.fetches.get(s.submissionId)).toBeUndefined();
    expect(server.submissions.get(s.submissionId)!.status).toBe("submitted");
    const callbacks = await hub.services.metrics.registry.getSingleMetric("ozg_hub_fitconnect_callbacks_total")!.get();
    expect(callbacks.values.find((v) => v.labels.result === "refused")?.value).toBe(2);

    expect((await server.notify(destinationId, deliver)).status).toBe(204);
    expect(Object.keys((await decisionOf(s.submissionId)).payload.events)).toEqual([ACCEPT]);
    await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
  });

  it("sends the accept after a restart when the platform went down between commit and accept, exactly once", async () => {
    server.eventsDown = true;
    const before = await rowCounts(hub.databaseUrl);
    const s = await submit();
    await server.notify(destinationId, deliver);
    const sql = postgres(hub.databaseUrl, { max: 1 });
    try {
      const row = await until(
        "the stored decision",
        async () => (await sql`select kind, sent_at from fitconnect_decisions where submission_id = ${s.submissionId}`)[0],
      );
      expect(row).toMatchObject({ kind: "accept", sent_at: null });
      expect((await rowCounts(hub.databaseUrl)).deliveries).toBe(before.deliveries! + 1);
      expect(server.posted.filter((e) => e.caseId === s.caseId)).toHaveLength(0);

      server.eventsDown = false;
      await hub.restart(); // the first round after start sends what is pending
      const event = await decisionOf(s.submissionId);
      expect(Object.keys(event.payload.events)).toEqual([ACCEPT]);
      await until(
        "the decision marked sent",
        async () => (await sql`select 1 from fitconnect_decisions where submission_id = ${s.submissionId} and sent_at is not null`)[0],
      );
      // The submission was fetched once, delivered once, accepted once.
      await server.notify(destinationId, deliver);
      await new Promise((r) => setTimeout(r, 500));
      expect(server.posted.filter((e) => e.caseId === s.caseId)).toHaveLength(1);
      expect(server.refusedEvents.filter((e) => e.caseId === s.caseId)).toEqual([]);
      expect(server.fetches.get(s.submissionId)).toBe(1);
      expect(await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 })).toHaveLength(1);
    } finally {
      server.eventsDown = false;
      await sql.end();
    }
  });

  it("recognises a re-fetched submission as a duplicate when the decision was lost after the commit", async () => {
    const sql = postgres(hub.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      // The process dies between the intake's commit and storing the decision: the insert fails once.
      await sql.unsafe(`
        create function fail_decision() returns trigger language plpgsql as $$
        begin raise exception 'crash after commit'; end $$;
        create trigger fail_decision before insert on fitconnect_decisions for each row execute function fail_decision();`);
      const before = await rowCounts(hub.databaseUrl);
      const s = await submit();
      await server.notify(destinationId, deliver);
      await until("the committed delivery", async () => (await rowCounts(hub.databaseUrl)).deliveries === before.deliveries! + 1 || undefined);
      await sql.unsafe("drop trigger fail_decision on fitconnect_decisions; drop function fail_decision();");
      expect(server.posted.filter((e) => e.caseId === s.caseId)).toHaveLength(0);
      expect(server.submissions.get(s.submissionId)!.status).toBe("submitted");

      await server.notify(destinationId, deliver);
      expect(Object.keys((await decisionOf(s.submissionId)).payload.events)).toEqual([ACCEPT]);
      expect(server.fetches.get(s.submissionId)).toBe(2);
      expect((await rowCounts(hub.databaseUrl)).deliveries).toBe(before.deliveries! + 1);
      expect(await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 })).toHaveLength(1);
      expect(server.posted.filter((e) => e.caseId === s.caseId)).toHaveLength(1);
    } finally {
      await sql.end();
    }
  });

  it("fetches each submission once when two instances serve the destination", async () => {
    const services = await createServices({
      spec: configSpec,
      configDir: hub.configDir,
      databaseUrl: hub.databaseUrl,
      amqpUrl: hub.amqpUrl,
      log: createLogger({ level: "silent" }),
      dbPoolSize: 3,
    });
    const second = fitconnectAdapter(adapterPort(services));
    await services.prepared();
    await second.start!();
    const both = async () => {
      await server.notify(destinationId, deliver);
      await server.notify(destinationId, (url, init) => second.routes.request(url, init));
    };
    try {
      const first = await Promise.all([submit(), submit(), submit()]);
      await both();
      await hub.restart(); // the lease changes hands or stays; either way nobody fetches twice
      const later = await Promise.all([submit(), submit(), submit()]);
      await both();
      for (const s of [...first, ...later]) expect(Object.keys((await decisionOf(s.submissionId)).payload.events)).toEqual([ACCEPT]);
      for (const s of [...first, ...later]) {
        expect(server.fetches.get(s.submissionId)).toBe(1);
        expect(server.posted.filter((e) => e.caseId === s.caseId)).toHaveLength(1);
      }
      expect(await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 6 })).toHaveLength(6);
    } finally {
      await second.stop?.();
      await services.stop();
    }
  });

  it("keeps the running destination when a reload brings a broken key", async () => {
    const tenantFile = path.join(hub.configDir, "tenants/kiel.yaml");
    const good = await readFile(tenantFile, "utf8");
    await writeFile(path.join(hub.configDir, "fitconnect/small.jwk.json"), JSON.stringify(rsaJwk("encryption", 2048).privateJwk));
    await writeFile(tenantFile, good.replace("fitconnect/kiel-decryption.jwk.json", "fitconnect/small.jwk.json"));
    try {
      const reload = await hub.services.reload();
      expect(reload.ok).toBe(false); // refused as a whole: the adapter's prepare step found the key
      expect(reload.ok ? [] : reload.problems.map((p) => `${p.file} ${p.path}: ${p.message}`)).toEqual([
        expect.stringMatching(/^tenants\/kiel fitconnect\.destinations\[0\]\.decryptionKeyFile: .*RSA key of 2048 bit/),
      ]);
      const s = await submit();
      expect((await server.notify(destinationId, deliver)).status).toBe(204);
      expect(Object.keys((await decisionOf(s.submissionId)).payload.events)).toEqual([ACCEPT]);
      await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
    } finally {
      await writeFile(tenantFile, good);
    }
  });

  it("leaves a submission it cannot fetch for the next round without holding up the others", async () => {
    const stuck = await submit();
    server.submissions.get(stuck.submissionId)!.attachments.delete(stuck.attachmentIds[0]!); // the platform lost a file: 404
    const fine = await submit();
    await server.notify(destinationId, deliver);
    expect(Object.keys((await decisionOf(fine.submissionId)).payload.events)).toEqual([ACCEPT]);
    await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
    expect(server.submissions.get(stuck.submissionId)!.status).toBe("submitted");
    expect(server.posted.filter((e) => e.caseId === stuck.caseId)).toHaveLength(0);
    expect(hub.logs.some((l) => l.includes("could not be picked up") && l.includes(stuck.submissionId))).toBe(true);
    server.submissions.get(stuck.submissionId)!.status = "rejected"; // out of the way of later tests
  });
});
