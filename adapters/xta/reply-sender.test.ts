import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { PortalConfig } from "../../gateway/index.ts";
import { decidedNotification, testBescheid } from "../../test/support/notifications.ts";
import { xtaGatewaySchema, xtaReplyServerSchema } from "./config.ts";
import { readMessageMetaData } from "./metadata.ts";
import { NS } from "./ns.ts";
import { replyMessage, statusReplyParts } from "./reply-sender.ts";
import { child, parseEnvelope } from "./xml.ts";

const xtaWith = (xta: Record<string, unknown> = {}) => xtaGatewaySchema.parse(xta);
const portal = { id: "xtaportal", xta: { certificateSha256: ["a".repeat(64)], authorIdentifiers: ["psw:portal"] } } as unknown as PortalConfig;
const server = xtaReplyServerSchema.parse({ sendUrl: "https://xta.portal.example/send", pkcs12File: "c.p12" });
const bescheid = testBescheid(30_000);
const notification = (metadata: Record<string, unknown> | null) =>
  decidedNotification({
    portalId: "xtaportal",
    channel: "xta-client",
    bescheid,
    delivery: { channel: "xta", sourceMessageId: "urn:de:xta:messageid:sp:1", metadata },
  });

/** The MessageMetaData element the reply carries, read back with ozg-hub's reader. */
function metaOf(xml: string) {
  const parsed = parseEnvelope(`<s:Envelope xmlns:s="${NS.s12}"><s:Header>${xml}</s:Header><s:Body/></s:Envelope>`);
  if (!parsed.ok) throw new Error(parsed.detail);
  const header = child(parsed.doc.documentElement!, NS.s12, "Header");
  return readMessageMetaData(child(header, NS.oscimeta, "MessageMetaData"));
}

describe("the XTA reply to a portal's own server", () => {
  it("is addressed from ozg-hub's identifier to the application's Author, in reply to its MessageID", () => {
    const r = replyMessage(xtaWith({ identifier: "ozg-hub:sh" }), portal, server, notification({ xta: { author: "psw:sender" } }), new Date());
    const meta = metaOf(r.message.metaData);
    expect(meta).toMatchObject({ ok: true, meta: { author: "ozg-hub:sh", reader: "psw:sender", service: "urn:de:ozg-hub:status", messageId: r.messageId } });
    expect(r.message.metaData).toContain("<oscimeta:In-Reply-To>urn:de:xta:messageid:sp:1</oscimeta:In-Reply-To>");
  });

  it("takes the configured Author and Reader over the defaults, and the portal's first author when the delivery names none", () => {
    const configured = replyMessage(
      xtaWith(),
      portal,
      { ...server, author: "ags:1", reader: "psw:fixed" },
      notification({ xta: { author: "psw:sender" } }),
      new Date(),
    );
    expect([configured.author, configured.reader]).toEqual(["ags:1", "psw:fixed"]);
    const fallback = replyMessage(xtaWith(), portal, server, notification(null), new Date());
    expect([fallback.author, fallback.reader]).toEqual(["ozg-hub", "psw:portal"]);
  });

  it("carries the Bescheid as Attachment and only its description in the event; leaves it out beyond xta.maxMessageBytes", () => {
    const r = replyMessage(xtaWith(), portal, server, notification(null), new Date());
    expect(r.message.attachments).toHaveLength(1);
    expect(r.message.attachments[0]!.bytes.equals(bescheid)).toBe(true);
    const event = JSON.parse(r.message.message.bytes.toString("utf8"));
    expect(event.data.document).toEqual({
      name: "bescheid.pdf",
      contentType: "application/pdf",
      size: bescheid.byteLength,
      sha256: createHash("sha256").update(bescheid).digest("hex"),
    });
    expect(r.omittedBytes).toBeUndefined();

    const small = replyMessage(xtaWith({ maxMessageBytes: 40_000 }), portal, server, notification(null), new Date());
    expect(small.message.attachments).toEqual([]);
    expect(small.omittedBytes).toBe(bescheid.byteLength);
    expect(JSON.parse(small.message.message.bytes.toString("utf8")).data.document.sha256).toBe(event.data.document.sha256);
  });

  it("a status without a document is the event alone", () => {
    const parts = statusReplyParts({ id: "x", data: { status: "received" } });
    expect(parts.document).toBeUndefined();
    expect(JSON.parse(parts.json.toString("utf8"))).toEqual({ id: "x", data: { status: "received" } });
  });
});
