import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { rowCounts } from "../../test/support/database.ts";
import { REPO, startTestHub, TOKENS } from "../../test/support/hub.ts";
import { startedForSuite } from "../../test/support/suite.ts";

const DIR = path.join(REPO, "gateway/intake/fixtures/xdomea-zip");
const MESSAGE = "5f3a9c1e-8b2d-4e6f-a017-2c4b6d8e0f12_Geschaeftsgang.Geschaeftsgang.0201";
const fixture = (name: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(path.join(DIR, name)));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const auth = { authorization: `Bearer ${TOKENS.formsolutions}` };

/** xdomea as the ZIP container the standard prescribes, at POST /api/v1/deliveries, against Postgres and RabbitMQ. */
describe("POST /api/v1/deliveries with an xdomea ZIP container", () => {
  const hub = startedForSuite(() => startTestHub());

  const post = (body: Uint8Array<ArrayBuffer>, key: string, type = "application/zip") =>
    hub.app.request("/api/v1/deliveries", {
      method: "POST",
      headers: { ...auth, "content-type": type, "idempotency-key": key, "content-disposition": `attachment; filename="${MESSAGE}.zip"` },
      body,
    });

  it("delivers the message to the tenant and stores the primary documents and the container as attachments", async () => {
    const zip = fixture(`${MESSAGE}.zip`);
    const res = await post(zip, "xdomea-zip-1");
    expect(res.status).toBe(202);
    const receipt = (await res.json()) as { id: string; state: string };
    expect(receipt.state).toBe("routed");
    const [dms] = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
    await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: 1 });
    const event = dms!.body as any;
    expect(event).toMatchObject({ ozgtenant: "kiel", ozgformat: "xdomea", data: { sourceFormat: "xdomea" } });
    expect(event.data.attachments.map((a: any) => [a.name, a.group, a.contentType])).toEqual([
      ["7e2b1a90_Antrag.pdf", "primaerdokument", "application/pdf"],
      ["1f9e8d7c_Aufenthaltstitel.jpg", "primaerdokument", "image/jpeg"],
      [`${MESSAGE}.zip`, "container", "application/zip"],
    ]);
    expect(event.data.attachments[2].sha256).toBe(sha(zip));

    const sql = postgres(hub.databaseUrl, { max: 1 });
    try {
      const [d] = await sql<
        { content_type: string; document: Buffer; metadata: any }[]
      >`select content_type, document, metadata from deliveries where id = ${receipt.id}`;
      expect(d!.content_type).toBe("application/xml");
      expect(sha(d!.document)).toBe(sha(readFileSync(path.join(REPO, "mappings/xdomea/fixtures/gewerbeanmeldung-kiel-2-4.input.xml"))));
      expect(d!.metadata.container).toEqual({
        name: `${MESSAGE}.zip`,
        message: `${MESSAGE}.xml`,
        files: ["7e2b1a90_Antrag.pdf", "1f9e8d7c_Aufenthaltstitel.jpg"],
      });
      const files = await sql<{ name: string; sha256: string }[]>`select name, sha256 from attachments where delivery_id = ${receipt.id} order by position`;
      expect(files.map((f) => f.name)).toEqual(["7e2b1a90_Antrag.pdf", "1f9e8d7c_Aufenthaltstitel.jpg", `${MESSAGE}.zip`]);
      expect(files[2]!.sha256).toBe(sha(zip));
    } finally {
      await sql.end();
    }
  });

  it.each([
    ["bomb-ratio.zip", 400, "zip bomb"],
    ["bomb-entries.zip", 413, "attachments exceeds the limit of 100 parts"],
    ["bomb-traversal.zip", 400, "invalid relative path"],
    ["bomb-absolute.zip", 400, "absolute path"],
    ["bomb-duplicate.zip", 400, "appears twice"],
    ["bomb-nested.zip", 400, "nested archives are not unpacked"],
    ["bomb-nested-named.zip", 400, "nested archives are not unpacked"],
    ["no-message.zip", 400, "no xdomea message"],
    ["bomb-lying-size.zip", 400, "too many bytes"],
  ])("refuses %s with problem+json and stores nothing", async (name, status, detail) => {
    const before = await rowCounts(hub.databaseUrl);
    const res = await post(fixture(name), `xdomea-${name}`);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(((await res.json()) as { detail: string }).detail).toContain(detail);
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
  });
});
