import { createHash, createPrivateKey, randomUUID, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PortalConfig, PortalNotification } from "../../gateway/index.ts";
import { decidedNotification, testBescheid } from "../../test/support/notifications.ts";
import { FEEDBACK } from "./feedback.ts";
import { javaAvailable, libraryPeer, type LibraryPeer } from "./fixtures/library-peer.ts";
import { startStubIntermediary, type StubIntermediary } from "./fixtures/stub-intermediary.ts";
import { createOsciReplySender, OsciReplyError } from "./reply-sender.ts";
import type { OsciSettings } from "./settings.ts";

const bescheid = testBescheid(50_000);
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A due `decided` notification for an application that came in by OSCI. */
const decided = (): PortalNotification =>
  decidedNotification({
    portalId: "osciportal",
    channel: "osci-store-delivery",
    bescheid,
    delivery: { channel: "osci", sourceMessageId: "b3NjaS1vcmlnaW5hbA==", metadata: { osci: { operation: "storeDelivery" } } },
  });

/**
 * The way back over OSCI: ozg-hub as Originator sends GetMessageId and StoreDelivery to the
 * portal's Intermediär. A stub Intermediär answers; the Governikus OSCI library then reads
 * what ozg-hub sent, as the Intermediär (transport decryption, ClientSignature) and as the
 * Addressee (content container decrypted with the portal's Reader key, Author signature, the
 * status text and the Bescheid bytes). Test PKI: ozg-hub signs and decrypts with the library's
 * `originator_*` keys, the Intermediär is `intermed_*`, the portal's OSCI client `addressee_enc`.
 */
describe.skipIf(!javaAvailable())("OSCI status replies as StoreDelivery to the portal's Intermediär", () => {
  let peer: LibraryPeer;
  let intermediary: StubIntermediary;
  let send: ReturnType<typeof createOsciReplySender>;

  const pair = (certs: string, name: string) => {
    const pem = readFileSync(path.join(certs, `${name}.pem`), "utf8");
    return { key: createPrivateKey(readFileSync(path.join(certs, `${name}.key`))), cert: new X509Certificate(pem), pem };
  };

  beforeAll(async () => {
    peer = libraryPeer();
    const c = (f: string) => readFileSync(path.join(peer.certs, f), "utf8");
    intermediary = await startStubIntermediary({ signer: pair(peer.certs, "intermed_sig"), cipher: pair(peer.certs, "intermed_enc") });
    const settings = {
      signing: pair(peer.certs, "originator_sig"),
      decryption: pair(peer.certs, "originator_enc"),
      portals: [
        {
          portal: { id: "osciportal" } as PortalConfig,
          certs: [],
          reply: {
            url: intermediary.url,
            cipherCert: c("intermed_enc.pem"),
            certs: [new X509Certificate(c("intermed_sig.pem"))],
            addresseeCipherCert: c("addressee_enc.pem"),
            subject: "Statusmeldung",
            timeoutMs: 10_000,
          },
        },
      ],
    } as unknown as OsciSettings;
    send = createOsciReplySender({ settings: () => settings });
  });
  afterAll(async () => {
    await intermediary?.close();
  });

  /** The library's reading of one captured request. */
  async function libraryReads(body: Buffer) {
    const file = path.join(tmpdir(), `ozg-hub-osci-reply-${randomUUID()}.bin`);
    writeFileSync(file, body);
    const r = await peer.run("ozghub.peer.ReadOriginatorRequest", [file]);
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    return r.out.split("\n").filter(Boolean);
  }

  it("asks for a MessageId, then stores the status and the Bescheid for the portal; the library reads both as Intermediär and Addressee", async () => {
    const n = decided();
    const detail = await send(n);
    expect(detail).toMatchObject({ feedback: "0800", intermediary: intermediary.url, osciMessageId: expect.any(String) });
    expect(intermediary.received.map((r) => r.operation)).toEqual(["getMessageId", "storeDelivery"]);

    const lines = await libraryReads(intermediary.received[1]!.body);
    expect(lines[0]).toContain("signed=true");
    // The library decodes the base64 MessageId as it reads it.
    expect(lines[0]).toContain(`messageId=${Buffer.from(String(detail!.osciMessageId), "base64").toString("utf8")}`);
    expect(lines[0]).toMatch(/^MESSAGE type=0xa signed=true messageId=stub-/);
    const container = lines.find((l) => l.startsWith("CONTAINER"));
    expect(container).toMatch(/^CONTAINER signers=1 valid=true signer=.*originator/i);
    const data = lines.filter((l) => l.startsWith("DATA ")).map((l) => JSON.parse(Buffer.from(l.slice(5), "base64").toString("utf8")));
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ id: n.messageId, type: "de.ozghub.portal.status.v1", data: { status: "decided", reference: "OZG-2026-000123" } });
    expect(data[0].data.document).toEqual({ name: "bescheid.pdf", contentType: "application/pdf", size: bescheid.byteLength, sha256: sha256(bescheid) });
    const attachments = lines.filter((l) => l.startsWith("ATTACHMENT "));
    expect(attachments).toHaveLength(1);
    const [, , hash, size] = attachments[0]!.split(" ");
    expect(hash).toBe(sha256(bescheid));
    expect(Number(size)).toBe(bescheid.byteLength);
  });

  it("a SOAP fault or a refused StoreDelivery fails the attempt with the Intermediär's code; the next attempt delivers", async () => {
    intermediary.mode = { kind: "fault", times: 1 };
    const fault = await send(decided()).catch((e: unknown) => e);
    expect(fault).toBeInstanceOf(OsciReplyError);
    expect((fault as OsciReplyError).code).toBe("9000");

    intermediary.mode = { kind: "refuse", times: 1, feedback: FEEDBACK.illegalMessageId };
    const refused = await send(decided()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OsciReplyError);
    expect((refused as OsciReplyError).code).toBe("9801");

    await expect(send(decided())).resolves.toMatchObject({ feedback: "0800" });
  });

  it("an Intermediär that is down fails the attempt", async () => {
    const c = (f: string) => readFileSync(path.join(peer.certs, f), "utf8");
    const down = await startStubIntermediary({ signer: pair(peer.certs, "intermed_sig"), cipher: pair(peer.certs, "intermed_enc") });
    await down.close();
    const settings = {
      signing: pair(peer.certs, "originator_sig"),
      decryption: pair(peer.certs, "originator_enc"),
      portals: [
        {
          portal: { id: "osciportal" },
          certs: [],
          reply: { url: down.url, cipherCert: c("intermed_enc.pem"), certs: [], addresseeCipherCert: c("addressee_enc.pem"), subject: "", timeoutMs: 2_000 },
        },
      ],
    } as unknown as OsciSettings;
    await expect(createOsciReplySender({ settings: () => settings })(decided())).rejects.toThrow(/fetch failed|ECONNREFUSED/);
  });
});
