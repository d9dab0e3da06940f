import { createHash, randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../../support/database.ts";
import { antragBody, ozgCloudForm } from "../../support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../../support/hub.ts";

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
    const files = [randomBytes(1_300_001), randomBytes(0), randomBytes(700)];
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
