import { createHash, randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../../support/database.ts";
import { antragBody, ozgCloudForm } from "../../support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../../support/hub.ts";
import { CHUNK_BYTES } from "../../../gateway/intake/attachment-writer.ts";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const auth = { authorization: `Bearer ${TOKENS.formsolutions}` };

describe("attachments in the store", () => {
  let hub: TestHub;
  let sql: postgres.Sql;
  beforeAll(async () => {
    hub = await startTestHub({ gateway: { limits: { attachmentBytes: 4_000_000 } } });
    sql = postgres(hub.databaseUrl, { max: 1 });
  });
  afterAll(async () => {
    await sql?.end();
    await hub?.stop();
  });

  it("keeps every byte, in order, across slices", async () => {
    // Across the boundary between attachments written in one statement and those streamed by COPY.
    const files = [randomBytes(1_300_001), randomBytes(0), randomBytes(700), randomBytes(CHUNK_BYTES), randomBytes(CHUNK_BYTES + 1), randomBytes(1)];
    const res = await hub.app.request("/antrag", {
      method: "POST",
      headers: auth,
      body: antragBody(
        ozgCloudForm({ transactionId: "bytes-1" }),
        files.map((content, i) => ({ part: "attachment" as const, name: `f${i}.bin`, type: "application/octet-stream", content })),
      ),
    });
    expect(res.status).toBe(202);
    const { vorgang } = await res.json();
    const stored = await sql<{ id: string; name: string; size: string; sha256: string }[]>`
      select id, name, size, sha256 from attachments where delivery_id = ${vorgang.vorgangId} order by position`;
    expect(stored.map((a) => [a.name, Number(a.size), a.sha256])).toEqual(files.map((f, i) => [`f${i}.bin`, f.length, sha(f)]));
    for (const [i, a] of stored.entries()) {
      const chunks = await sql<{ data: Buffer }[]>`select data from attachment_chunks where attachment_id = ${a.id} order by seq`;
      expect(sha(Buffer.concat(chunks.map((c) => c.data)))).toBe(sha(files[i]!));
    }
  });

  it("stores 100 one-byte attachments whole and in order, and refuses a 101st part with nothing stored", async () => {
    const parts = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ part: "attachment" as const, name: `p${i}.txt`, type: "text/plain", content: String(i % 10) }));
    const res = await hub.app.request("/antrag", { method: "POST", headers: auth, body: antragBody(ozgCloudForm({ transactionId: "hundred" }), parts(100)) });
    expect(res.status).toBe(202);
    const { vorgang } = await res.json();
    const stored = await sql<{ name: string; data: Buffer }[]>`
      select a.name, c.data from attachments a join attachment_chunks c on c.attachment_id = a.id
      where a.delivery_id = ${vorgang.vorgangId} order by a.position, c.seq`;
    expect(stored.map((a) => [a.name, a.data.toString()])).toEqual(parts(100).map((p) => [p.name, p.content]));

    const before = await rowCounts(hub.databaseUrl);
    const over = await hub.app.request("/antrag", {
      method: "POST",
      headers: auth,
      body: antragBody(ozgCloudForm({ transactionId: "hundred-one" }), parts(101)),
    });
    expect(over.status).toBe(413);
    expect(await over.json()).toMatchObject({ detail: "attachments exceeds the limit of 100 parts", limit: 100 });
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
  });

  it("stops reading an oversize attachment, keeps nothing of it, and the store serves on", async () => {
    const before = await rowCounts(hub.databaseUrl);
    const res = await hub.app.request("/antrag", {
      method: "POST",
      headers: auth,
      body: antragBody(ozgCloudForm({ transactionId: "too-big" }), [
        { part: "attachment", name: "ok.bin", type: "application/octet-stream", content: randomBytes(1_000_000) },
        { part: "attachment", name: "big.bin", type: "application/octet-stream", content: randomBytes(4_100_000) },
      ]),
    });
    expect(res.status).toBe(413);
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    // every pooled connection is still usable: a burst of deliveries with attachments succeeds
    const again = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        hub.app.request("/antrag", {
          method: "POST",
          headers: auth,
          body: antragBody(ozgCloudForm({ transactionId: `after-${i}` }), [
            { part: "attachment", name: "a.bin", type: "application/octet-stream", content: randomBytes(300_000) },
          ]),
        }),
      ),
    );
    expect(again.map((r) => r.status)).toEqual(Array(8).fill(202));
  });
});
