import { randomBytes } from "node:crypto";
import jose from "node-jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../../test/support/database.ts";
import { createClient } from "./client.ts";
import { PROBLEM_BASE } from "./fixtures/fit-connect-server.ts";
import { fitConnectTestbed, storedSubmission, type Testbed } from "./fixtures/testbed.ts";

const PROBLEMS = "https://schema.fitko.de/fit-connect/events/problems/";
const ACCEPT = "https://schema.fitko.de/fit-connect/events/accept-submission";
const REJECT = "https://schema.fitko.de/fit-connect/events/reject-submission";
const ATTACHMENT_LIMIT = 2 * 1024 ** 2;

/** A PDF of about `size` bytes whose body does not compress to nothing (random stream content). */
function pdf(size: number): Buffer {
  const head = Buffer.from("%PDF-1.7\n1 0 obj << /Length 0 >> stream\n");
  const tail = Buffer.from("\nendstream endobj\n%%EOF\n");
  // Half random, half text: deflate shrinks it, but not below jose's old 250,000-byte default.
  const body = Buffer.concat([randomBytes(size / 2), Buffer.alloc(size / 2 - head.length - tail.length, "Bauantrag Flurstück 12/3 ")]);
  return Buffer.concat([head, body, tail]);
}

/**
 * What senders in the field do that our own sender did not: compress every part (`zip: DEF`),
 * name the key by its RFC 7638 thumbprint, rely on the destination lookup endpoints and on the
 * platform's problem documents. node-jose builds every JWE (fixtures/sender.ts).
 */
describe("FIT-Connect as senders in the field send", () => {
  let t: Testbed;
  const decide = async (patch: Parameters<Testbed["submit"]>[0]) => {
    const s = await t.submit(patch);
    await t.server.notify(t.destinationId, t.deliver);
    const event = await t.decisionOf(s.submissionId);
    return { s, event, type: Object.keys(event.payload.events)[0] };
  };
  const rejectedWithNothingStored = async (patch: Parameters<Testbed["submit"]>[0]) => {
    const before = await rowCounts(t.hub.databaseUrl);
    const r = await decide(patch);
    expect(r.type).toBe(REJECT);
    expect(await rowCounts(t.hub.databaseUrl)).toEqual(before);
    expect(await storedSubmission(t.hub.databaseUrl, r.s.submissionId)).toBeUndefined();
    expect(await t.hub.broker.count(t.hub.queue("kiel", "dms"))).toBe(0);
    return r.event.payload.events[REJECT].problems as { type: string; instance: string; detail: string }[];
  };

  beforeAll(async () => {
    t = await fitConnectTestbed({ gateway: { limits: { attachmentBytes: ATTACHMENT_LIMIT } } });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("accepts a 400 kB PDF sent with zip: DEF and stores it byte-equal", async () => {
    const bytes = pdf(400_000);
    const { s, type } = await decide({
      compress: true,
      attachments: [{ bytes, filename: "Bauzeichnung Erdgeschoß.pdf", mimeType: "application/pdf", purpose: "attachment" }],
    });
    expect(type).toBe(ACCEPT);
    const stored = await storedSubmission(t.hub.databaseUrl, s.submissionId);
    expect(stored?.tenantId).toBe("kiel");
    expect(stored?.attachments.map((a) => a.name)).toEqual(["Bauzeichnung Erdgeschoß.pdf"]);
    expect(stored?.attachments[0]!.bytes.equals(bytes)).toBe(true);
    expect(await t.hub.broker.drain(t.hub.queue("kiel", "dms"), { atLeast: 1 })).toHaveLength(1);
  });

  it("rejects a small compressed attachment that inflates beyond the attachment limit, storing nothing", async () => {
    const bomb = Buffer.alloc(64 * 1024 ** 2); // 64 MiB of zeros: deflates to about 64 kB
    const problems = await rejectedWithNothingStored({
      compress: true,
      attachments: [{ bytes: bomb, filename: "bomb.pdf", mimeType: "application/pdf", purpose: "attachment" }],
    });
    expect(problems).toEqual([
      expect.objectContaining({ type: PROBLEMS + "technical-error", detail: `the receiving system takes at most ${ATTACHMENT_LIMIT} (attachment)` }),
    ]);
    const [jwe] = [...t.server.submissions.values()].at(-1)!.attachments.values();
    expect(jwe!.length).toBeLessThan(200_000);
  });

  it("decrypts with the destination's key named by its RFC 7638 thumbprint, and says so in the log", async () => {
    const { s, type } = await decide({ compress: true, kid: "thumbprint" });
    expect(type).toBe(ACCEPT);
    expect(t.hub.logs.some((l) => l.includes("RFC 7638 thumbprint") && l.includes(s.submissionId) && l.includes(String(t.encryption.privateJwk.kid)))).toBe(
      true,
    );
    expect((await storedSubmission(t.hub.databaseUrl, s.submissionId))?.attachments).toHaveLength(3);
    await t.hub.broker.drain(t.hub.queue("kiel", "dms"), { atLeast: 1 });
  });

  it("decrypts with the previous key after a rotation, named by kid or by thumbprint", async () => {
    for (const kid of ["kid", "thumbprint"] as const) {
      const { s, type } = await decide({ kid, encryptFor: t.previousEncryption.publicJwk });
      expect(type).toBe(ACCEPT);
      expect((await storedSubmission(t.hub.databaseUrl, s.submissionId))?.tenantId).toBe("kiel");
    }
    await t.hub.broker.drain(t.hub.queue("kiel", "dms"), { atLeast: 2 });
  });

  it("rejects a key id that is neither a kid nor a thumbprint of the destination's keys", async () => {
    const unknown = await rejectedWithNothingStored({ kid: { other: "4f8c-unknown" } });
    expect(unknown[0]).toMatchObject({ type: PROBLEMS + "encryption-issue", instance: "metadata" });
    expect(unknown[0]!.detail).toMatch(/neither the kid nor the RFC 7638 thumbprint/);
    // Encrypted for a stranger's key and named by that key's thumbprint: no key of ours fits.
    const stranger = await rejectedWithNothingStored({ kid: "thumbprint", encryptFor: t.stranger.publicJwk });
    expect(stranger[0]).toMatchObject({ type: PROBLEMS + "encryption-issue", instance: "metadata" });
  });

  it("serves a sender the destination and its keys, and answers errors as RFC 9457 problems", async () => {
    const token = await t.senderToken();
    const get = (path: string) => fetch(`${t.server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const destination = (await (await get(`/v1/destinations/${t.destinationId}`)).json()) as Record<string, unknown>;
    expect(destination).toMatchObject({ destinationId: t.destinationId, status: "active", encryptionKid: t.encryption.publicJwk.kid });
    const key = (await (await get(`/v1/destinations/${t.destinationId}/keys/${String(destination.encryptionKid)}`)).json()) as Record<string, unknown>;
    expect(key).toMatchObject({ kty: "RSA", kid: t.encryption.publicJwk.kid, key_ops: ["wrapKey"], alg: "RSA-OAEP-256" });
    expect(key.d).toBeUndefined();
    const jwks = (await (await fetch(`${t.server.url}/.well-known/jwks.json`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", key_ops: ["verify"], alg: "PS512" });
    expect(jwks.keys[0]!.d).toBeUndefined();

    const missing = await get("/v1/destinations/0b7e4c9a-1111-4222-8333-944455556666");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    expect(await missing.json()).toMatchObject({ type: PROBLEM_BASE + "destination-not-found", status: 404, title: expect.any(String) });

    // The subscriber client names the problem in the error it raises.
    const client = createClient({
      apiUrl: `${t.server.url}/v1`,
      tokenUrl: `${t.server.url}/token`,
      clientId: t.sender.id,
      clientSecret: t.sender.secret,
      destinationId: t.destinationId,
      clock: () => new Date(),
    });
    await expect(client.getSubmission("0b7e4c9a-1111-4222-8333-944455556666")).rejects.toThrow(/HTTP 404 submission-not-found: no such submission/);
  });

  it("does not verify the platform's events with a key the JWKS publishes for another use", async () => {
    t.server.platformKeyOps = ["wrapKey"];
    try {
      await t.hub.restart(); // fresh clients: no platform key cached from earlier rounds
      const problems = await rejectedWithNothingStored({});
      expect(problems).toEqual([expect.objectContaining({ type: PROBLEMS + "missing-authentication-tags", instance: "submission" })]);
    } finally {
      t.server.platformKeyOps = ["verify"];
      await t.hub.restart();
    }
  });

  it("builds its JWEs with node-jose, not with ozg-hub's library", async () => {
    // The header of what the sender uploaded, as node-jose wrote it: compressed, kid = thumbprint.
    const s = await t.submit({ compress: true, kid: "thumbprint" });
    const jwe = t.server.submissions.get(s.submissionId)!.encryptedMetadata!;
    const header = JSON.parse(Buffer.from(jwe.split(".")[0]!, "base64url").toString("utf8")) as Record<string, unknown>;
    const thumbprint = Buffer.from(await (await jose.JWK.asKey(t.encryption.publicJwk as object)).thumbprint("SHA-256")).toString("base64url");
    expect(header).toMatchObject({ alg: "RSA-OAEP-256", enc: "A256GCM", zip: "DEF", kid: thumbprint });
    await t.server.notify(t.destinationId, t.deliver);
    expect(Object.keys((await t.decisionOf(s.submissionId)).payload.events)).toEqual([ACCEPT]);
    await t.hub.broker.drain(t.hub.queue("kiel", "dms"), { atLeast: 1 });
  });
});
