import { describe, expect, it } from "vitest";
import { rsaJwk } from "./fixtures/fit-connect-server.ts";
import { replyContent, replyKey } from "./reply.ts";
import { submittedTags, tagMatches } from "./tags.ts";
import { EVENT, type LoggedEvent } from "./events.ts";

describe("the reply key a sender names", () => {
  const good = rsaJwk("encryption").publicJwk;
  const channel = (encryptionPublicKey: unknown) => ({ replyChannel: { fitConnect: { encryptionPublicKey, processStandards: [] } } });

  it("takes a public RSA key of 4096 bit with kid for RSA-OAEP-256, and only its public members", () => {
    const k = replyKey(channel({ ...good, d: "private-part-sent-by-mistake" }));
    expect(k).toEqual({ ok: true, jwk: { kty: "RSA", n: good.n, e: good.e, kid: good.kid } });
  });

  it("names why a key cannot be used", () => {
    const reasons = [
      replyKey({}),
      replyKey({ replyChannel: { eMail: { address: "a@example.org" } } }),
      replyKey(channel(undefined)),
      replyKey(channel({ kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k" })),
      replyKey(channel({ ...good, kid: undefined })),
      replyKey(channel({ ...good, alg: "RSA1_5" })),
      replyKey(channel({ ...good, key_ops: ["verify"] })),
    ].map((r) => (r.ok ? "ok" : r.reason));
    expect(reasons).toEqual([
      "the sender chose no FIT-Connect reply channel (replyChannel: none)",
      "the sender chose no FIT-Connect reply channel (replyChannel: eMail)",
      "replyChannel.fitConnect carries no encryptionPublicKey",
      "the reply key is not an RSA public key",
      "the reply key has no kid",
      "the reply key is for RSA1_5, not RSA-OAEP-256",
      'the reply key\'s key_ops lack "wrapKey"',
    ]);
  });
});

describe("the reply's content", () => {
  const submission = {
    submissionId: "s",
    caseId: "c",
    destinationId: "d",
    metadata: { publicServiceType: { identifier: "urn:de:fim:leika:leistung:99050012104000" } },
  };
  const pdf = Buffer.from("%PDF-1.7 Bescheid");
  const payload = {
    type: "de.ozghub.portal.status.v1",
    data: {
      status: "decided",
      caseReference: "AZ-1",
      document: { name: "b.pdf", contentType: "application/pdf", size: pdf.byteLength, sha256: "x", content: pdf.toString("base64") },
    },
  };

  it("moves the Bescheid into an attachment, keeps its announced id on a retry, and declares both parts' hashes", () => {
    const first = replyContent(payload, submission);
    expect(first.attachments).toHaveLength(1);
    expect(Buffer.from(first.attachments[0]!.bytes).equals(pdf)).toBe(true);
    const data = JSON.parse(Buffer.from(first.data).toString("utf8"));
    expect(data.data.document).toEqual({
      name: "b.pdf",
      contentType: "application/pdf",
      size: pdf.byteLength,
      sha256: "x",
      attachmentId: first.attachments[0]!.attachmentId,
    });
    const again = replyContent(payload, submission, [first.attachments[0]!.attachmentId]);
    expect(again.attachments[0]!.attachmentId).toBe(first.attachments[0]!.attachmentId);
    const meta = JSON.parse(Buffer.from(first.metadata).toString("utf8"));
    expect(meta.contentStructure.attachments[0].hash.content).toMatch(/^[0-9a-f]{128}$/);
    expect(meta.additionalReferenceInfo).toEqual({ senderReference: "AZ-1" });
    expect(payload.data.document.content).toBe(pdf.toString("base64")); // the notification itself is left as it was
  });

  it("sends a status without a document as data alone", () => {
    const c = replyContent({ type: "de.ozghub.portal.status.v1", data: { status: "received" } }, { ...submission, metadata: {} });
    expect(c.attachments).toEqual([]);
    expect(JSON.parse(Buffer.from(c.metadata).toString("utf8")).contentStructure.attachments).toEqual([]);
  });
});

describe("the authentication tags the platform recorded", () => {
  const event = (over: Partial<LoggedEvent>): LoggedEvent => ({
    token: "t",
    jti: "j",
    iss: "https://platform",
    sub: "submission:s1",
    txn: "case:c",
    type: EVENT.submit,
    payload: { events: { [EVENT.submit]: { authenticationTags: { metadata: "m", data: "d", attachments: { a1: "x" } } } } },
    ...over,
  });

  it("come only from the platform's submit-submission event of that submission", () => {
    expect(submittedTags([event({})], "dest", "s1")).toEqual({ metadata: "m", data: "d", attachments: { a1: "x" } });
    expect(submittedTags([event({ iss: "dest" })], "dest", "s1")).toBeUndefined();
    expect(submittedTags([event({ sub: "submission:s2" })], "dest", "s1")).toBeUndefined();
    expect(submittedTags([event({ type: EVENT.accept })], "dest", "s1")).toBeUndefined();
    expect(submittedTags([event({ payload: { events: { [EVENT.submit]: {} } } })], "dest", "s1")).toBeUndefined();
  });

  it("match a JWE by its last part only", () => {
    expect(tagMatches("h.k.iv.ct.TAG", "TAG")).toBe(true);
    expect(tagMatches("h.k.iv.ct.TAG", "TAG2")).toBe(false);
    expect(tagMatches("h.k.iv.ct.TAG", undefined)).toBe(false);
  });
});
