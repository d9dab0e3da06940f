import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../support/database.ts";
import { antragBody, ozgCloudForm } from "../support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../support/hub.ts";
import { ADMIN_TOKEN, TENANT_TOKENS, addCredentials, allPublished } from "./credentials.ts";

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe("GET /api/v1/attachments/:id: only the owning tenant, streamed from the store", () => {
  let hub: TestHub;
  let kielFile: { id: string; sha256: string; size: number };
  const content = Buffer.alloc(2_500_000 + 17); // several store slices plus a remainder
  for (let i = 0; i < content.length; i++) content[i] = (i * 31) % 251;

  beforeAll(async () => {
    hub = await startTestHub();
    await addCredentials(hub);
    const res = await hub.app.request("/antrag", {
      method: "POST",
      headers: bearer(TOKENS.formsolutions),
      body: antragBody(ozgCloudForm({ transactionId: "att-kiel-1" }), [
        { part: "attachment", name: "Grundriss Erdgeschoß.pdf", type: "application/pdf", content },
      ]),
    });
    expect(res.status).toBe(202);
    const [msg] = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
    kielFile = (msg!.body as any).data.attachments[0];
    expect(kielFile.size).toBe(content.length);
    await allPublished(hub);
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it("gives the owning tenant the exact bytes with length, digest and a download name", async () => {
    const res = await hub.app.request(`/api/v1/attachments/${kielFile.id}`, { headers: bearer(TENANT_TOKENS.kiel) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-length")).toBe(String(content.length));
    expect(res.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''Grundriss%20Erdgescho%C3%9F.pdf");
    expect(res.headers.get("repr-digest")).toBe(`sha-256=:${Buffer.from(kielFile.sha256, "hex").toString("base64")}:`);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(content.length);
    expect(createHash("sha256").update(body).digest("hex")).toBe(createHash("sha256").update(content).digest("hex"));
  });

  /** Every refusal is a problem+json and changes nothing in the store. */
  async function refused(path: string, headers: Record<string, string>, status: number) {
    const before = await rowCounts(hub.databaseUrl);
    const res = await hub.app.request(path, { headers });
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = await res.json();
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    return body;
  }

  it("answers another tenant as if the attachment did not exist", async () => {
    const body = await refused(`/api/v1/attachments/${kielFile.id}`, bearer(TENANT_TOKENS.augsburg), 404);
    expect(body.type).toBe("urn:ozg-hub:problem:not-found");
  });

  it("refuses portal tokens, the admin token, unknown tokens and no token", async () => {
    for (const t of [TOKENS.formsolutions, TOKENS.serviceportal, ADMIN_TOKEN, "kiel-systems-test-token-x"]) {
      const body = await refused(`/api/v1/attachments/${kielFile.id}`, bearer(t), 401);
      expect(body.type).toBe("urn:ozg-hub:problem:unauthorized");
    }
    await refused(`/api/v1/attachments/${kielFile.id}`, {}, 401);
  });

  it("404 for ids that are no attachment or no uuid", async () => {
    await refused("/api/v1/attachments/00000000-0000-4000-8000-000000000000", bearer(TENANT_TOKENS.kiel), 404);
    await refused("/api/v1/attachments/..%2F..%2Fetc%2Fpasswd", bearer(TENANT_TOKENS.kiel), 404);
  });

  it("logged none of the tokens it was shown", () => {
    const logs = hub.logs.join("");
    for (const t of [...Object.values(TOKENS), ...Object.values(TENANT_TOKENS), ADMIN_TOKEN]) expect(logs).not.toContain(t);
  });
});
