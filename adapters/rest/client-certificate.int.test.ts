import { readFile, rm } from "node:fs/promises";
import https from "node:https";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../../test/support/database.ts";
import { antragBody, ozgCloudForm } from "../../test/support/forms.ts";
import { editYaml, TOKENS, type TestHub } from "../../test/support/hub.ts";
import { startRestHttpsHub } from "../../test/support/https-hub.ts";
import { rawPost } from "../xta/fixtures/https.ts";
import { testPki, type Issued } from "../../test/support/pki.ts";

/** A real portal's formData (source: mappings/ozg-cloud/fixtures/README.md), sent byte for byte. */
const REAL_FORM = path.join(import.meta.dirname, "../../mappings/ozg-cloud/fixtures/startuphafen-formdatatest.input.json");
const REAL_FORM_OFFICE = "197008";

/** A multipart /antrag body as bytes, with its Content-Type (boundary). */
async function antrag(transactionId: string): Promise<{ contentType: string; body: Buffer }> {
  const pdf = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(20_000, 7)]);
  const request = new Request("http://portal.invalid/antrag", {
    method: "POST",
    body: antragBody(ozgCloudForm({ transactionId }), [{ part: "representation", name: "Gewerbeanmeldung.pdf", type: "application/pdf", content: pdf }]),
  });
  return { contentType: request.headers.get("content-type")!, body: Buffer.from(await request.arrayBuffer()) };
}

/**
 * REST portals authenticated by TLS client certificate on the REST HTTPS listener
 * (gateway.yaml `rest.https`), against Postgres and RabbitMQ, with certificates made here.
 */
describe("REST intake by TLS client certificate", () => {
  // Certificates are made once, when the file is collected; the hub is started per run.
  const pki = testPki();
  const portalCert = pki.client("formsolutions-antrag");
  const otherCert = pki.client("serviceportal-antrag");
  let hub: TestHub;
  let dir: string;
  let url: string;

  beforeAll(async () => {
    ({ hub, url, dir } = await startRestHttpsHub(pki));
    await editYaml(path.join(hub.configDir, "portals/formsolutions.yaml"), (p) => (p.rest = { certificateSha256: [portalCert.sha256] }));
    // The Serviceportal's certificate is pinned, but the portal may not (yet) use REST.
    await editYaml(path.join(hub.configDir, "portals/serviceportal.yaml"), (p) => {
      p.rest = { certificateSha256: [otherCert.sha256.match(/../g)!.join(":").toUpperCase()] };
      p.channels = ["xta"];
    });
    // Kiel answers for the zuständige Stelle of the real portal form below.
    await editYaml(path.join(hub.configDir, "tenants/kiel.yaml"), (t) => t.organisationUnitIds.push(REAL_FORM_OFFICE));
    expect(await hub.services.reload()).toEqual({ ok: true });
  });
  afterAll(async () => {
    await hub?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("delivers a form sent to /antrag without a token but with the portal's certificate to the right tenant's queues", async () => {
    const { contentType, body } = await antrag("tx-client-cert-1");
    const res = await rawPost(`${url}/antrag`, pki, { cert: portalCert, contentType, body });
    expect(res.status).toBe(202);
    const receipt = JSON.parse(res.body);
    expect(receipt).toMatchObject({ transactionId: "tx-client-cert-1", vorgang: { status: "NEU" } });
    const [gewerbe] = await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: 1 });
    const [dms] = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
    for (const msg of [gewerbe!, dms!]) {
      expect(msg.headers["x-ozg-tenant"]).toBe("kiel");
      expect(msg.body).toMatchObject({ ozgtenant: "kiel", ozgdelivery: receipt.vorgang.vorgangId, data: { sourceFormat: "ozg-cloud" } });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await hub.broker.count(hub.queue("augsburg", "gewerbe"))).toBe(0);
    expect(await hub.broker.count(hub.queue("augsburg", "dms"))).toBe(0);
    // The delivery is the portal's: its status is visible with the same certificate.
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) =>
      https
        .get(
          `${url}/api/v1/applications/${receipt.vorgang.vorgangId}`,
          { ca: pki.caPem, cert: portalCert.certPem, key: portalCert.keyPem, agent: false },
          (r) => {
            let text = "";
            r.on("data", (d) => (text += d));
            r.on("end", () => resolve({ status: r.statusCode ?? 0, body: text }));
          },
        )
        .on("error", reject),
    );
    expect(status.status).toBe(200);
    expect(JSON.parse(status.body)).toMatchObject({ id: receipt.vorgang.vorgangId });
  });

  it("delivers a real portal's form (Startuphafen's formDataTest.json) by client certificate, whole, to the responsible office's tenant", async () => {
    const form = await readFile(REAL_FORM);
    const request = new Request("http://portal.invalid/antrag", {
      method: "POST",
      body: (() => {
        const fd = new FormData();
        fd.append("formData", new Blob([form], { type: "application/json" }), "formData.json");
        return fd;
      })(),
    });
    const res = await rawPost(`${url}/antrag`, pki, {
      cert: portalCert,
      contentType: request.headers.get("content-type")!,
      body: Buffer.from(await request.arrayBuffer()),
    });
    expect(res.status).toBe(202);
    const receipt = JSON.parse(res.body);
    expect(receipt.transactionId).toBe(JSON.parse(form.toString("utf8")).control.transactionId);
    const [dms] = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
    expect(dms!.body).toMatchObject({
      ozgtenant: "kiel",
      ozgdelivery: receipt.vorgang.vorgangId,
      data: { recipient: { organisationUnitId: REAL_FORM_OFFICE } },
    });
    // Lossless: every string the portal filled in is in the event.
    const published = JSON.stringify(dms!.body);
    const leaves: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === "string" && v.length > 0) leaves.push(v);
      else if (v && typeof v === "object") Object.values(v).forEach(walk);
    };
    walk(JSON.parse(form.toString("utf8")).formData);
    expect(leaves.length).toBeGreaterThan(10);
    expect(leaves.filter((l) => !published.includes(JSON.stringify(l).slice(1, -1)))).toEqual([]);
  });

  it("refuses unknown, self-signed and missing certificates with 401 problem+json and stores nothing", async () => {
    const before = await rowCounts(hub.databaseUrl);
    const cases: [Issued | undefined, string][] = [
      [pki.client("unknown-but-ca-signed"), "unknown client certificate"],
      [pki.client("self-signed", { selfSigned: true }), "unknown client certificate"],
      [undefined, "a bearer token or a pinned TLS client certificate is required"],
    ];
    for (const [i, [cert, detail]] of cases.entries()) {
      const { contentType, body } = await antrag(`tx-client-cert-refused-${i}`);
      const res = await rawPost(`${url}/antrag`, pki, { cert, contentType, body });
      expect(res.status).toBe(401);
      expect(res.contentType).toContain("application/problem+json");
      expect(JSON.parse(res.body)).toMatchObject({ status: 401, detail });
    }
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
  });

  it("refuses with 403 a pinned portal that may not use REST, and a token of another portal than the certificate", async () => {
    const before = await rowCounts(hub.databaseUrl);
    const one = await antrag("tx-client-cert-403-a");
    const notRest = await rawPost(`${url}/antrag`, pki, { cert: otherCert, ...one });
    expect(notRest.status).toBe(403);
    expect(JSON.parse(notRest.body)).toMatchObject({ status: 403, detail: "portal serviceportal may not use the REST intake" });
    const two = await antrag("tx-client-cert-403-b");
    const mixed = await rawPost(`${url}/antrag`, pki, { cert: portalCert, ...two, headers: { authorization: `Bearer ${TOKENS.serviceportal}` } });
    expect(mixed.status).toBe(403);
    expect(JSON.parse(mixed.body)).toMatchObject({ status: 403, detail: "the client certificate belongs to another portal than the token" });
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
  });

  it("takes a proxy's certificate header on the plain port only when rest.trustedProxy is configured", async () => {
    const header = { "x-ssl-client-sha256": portalCert.sha256 };
    const before = await rowCounts(hub.databaseUrl);
    const one = await antrag("tx-client-cert-proxy-1");
    const ignored = await hub.app.request("/antrag", {
      method: "POST",
      headers: { ...header, "content-type": one.contentType },
      body: new Uint8Array(one.body),
    });
    expect(ignored.status).toBe(401);
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);

    await editYaml(path.join(hub.configDir, "gateway.yaml"), (g) => (g.rest.trustedProxy = { header: "x-ssl-client-sha256" }));
    expect(await hub.services.reload()).toEqual({ ok: true });
    // On the TLS port the certificate alone counts, whatever the header says.
    const tls = await rawPost(`${url}/antrag`, pki, { ...one, headers: header });
    expect(tls.status).toBe(401);
    const proxied = await hub.app.request("/antrag", {
      method: "POST",
      headers: { ...header, "content-type": one.contentType },
      body: new Uint8Array(one.body),
    });
    expect(proxied.status).toBe(202);
    await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: 1 });
    await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
  });
});
