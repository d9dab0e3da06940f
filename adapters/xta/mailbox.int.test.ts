import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { rowCounts } from "../../test/support/database.ts";
import { REPO } from "../../test/support/hub.ts";
import { faultOf } from "./fixtures/portal-client.ts";
import { MAILBOX_LEIKA, PORTAL_AUTHOR, xtaHubPerSuite } from "./fixtures/xta-hub.ts";
import { xsdErrors } from "./fixtures/xsd.ts";

// A Gewerbeabmeldung for Kiel, addressed only by the XTA Reader: Kiel's mailbox subscriber takes it.
const abmeldung = readFileSync(path.join(REPO, "mappings/xdomea/fixtures/minimal-transport-reader.input.xml"));

const requestIdOf = (raw: string) => /MsgBoxRequestID="([^"]+)"/.exec(raw)?.[1] ?? "";
const messageIdsOf = (raw: string) => [...raw.matchAll(/<oscimeta:MsgIdentification><wsa:MessageID>([^<]+)</g)].map((m) => m[1]!);
const pendingOf = (raw: string) => /<osci:ItemsPending>(\d+)</.exec(raw)?.[1];
const messageOf = (raw: string) => JSON.parse(Buffer.from(/<xta:Message [^>]*>([^<]*)</.exec(raw)![1]!, "base64").toString("utf8"));

describe("XTA mailbox role: a tenant's system fetches its applications from ozg-hub", () => {
  const suite = xtaHubPerSuite({ mailbox: true, clients: true });

  async function send(): Promise<string> {
    const messageId = `urn:de:xta:messageid:sp:${randomUUID()}`;
    await suite.portal.sendMessage({ messageId, author: PORTAL_AUTHOR, reader: "ags:01002000", message: { contentType: "application/xml", bytes: abmeldung } });
    return messageId;
  }

  it("lists, hands out again until closed, and lets a closed message go", async () => {
    const [, empty] = await suite.system.getStatusList();
    expect(empty).toContain('<osci:NoMessageAvailable reason="http://www.osci.eu/ws/2008/05/transport/MsgBox/reasons/NoMatch"/>');

    const sent = await send();
    const [, list] = await suite.system.getStatusList();
    const [boxId] = messageIdsOf(list);
    expect(messageIdsOf(list)).toHaveLength(1);
    expect(pendingOf(list)).toBe("0");
    expect(list).toContain(`<oscimeta:Service>urn:de:fim:leika:leistung:${MAILBOX_LEIKA}</oscimeta:Service>`);
    expect(list).toContain(`<oscimeta:Reader><oscimeta:Identifier type="xoev">ags:01002000</oscimeta:Identifier></oscimeta:Reader>`);

    const [, fetched] = await suite.system.getMessage();
    expect(messageIdsOf(fetched)).toEqual([boxId]);
    const event = messageOf(fetched);
    expect(event).toMatchObject({ type: "de.ozghub.application.received.v1", ozgtenant: "kiel", ozgformat: "xdomea", ozgleikakey: MAILBOX_LEIKA });
    expect(event.data.applicant).toMatchObject({ givenName: "Broder", familyName: "Hansen" });

    // Fetched but not closed: offered again, and the delivery is not yet done.
    const [, again] = await suite.system.getStatusList();
    expect(messageIdsOf(again)).toEqual([boxId]);
    const [, refetched] = await suite.system.getMessage(boxId);
    expect(messageOf(refetched).id).toBe(event.id);
    await suite.xta.hub.broker.drain(suite.xta.hub.queue("kiel", "dms"), { atLeast: 1 });
    await suite.xta.hub.broker.drain(suite.xta.hub.queue("kiel", "gewerbe"), { atLeast: 1 });
    const [, open] = await suite.portal.getTransportReport(sent);
    expect(open).toContain("<xta:Status>0</xta:Status>");

    await suite.system.close(requestIdOf(fetched), [boxId!]);
    const [, gone] = await suite.system.getStatusList();
    expect(gone).toContain("<osci:NoMessageAvailable");
    expect(faultOf(await suite.system.getMessage(boxId).catch((e: unknown) => e))).toMatchObject({ exception: "InvalidMessageIDException", code: "9070" });
    expect(faultOf(await suite.system.close(requestIdOf(fetched), [boxId!]).catch((e: unknown) => e))).toMatchObject({
      exception: "InvalidMessageIDException",
      code: "9070",
    });
    for (let i = 0; i < 50; i++) {
      const [, r] = await suite.portal.getTransportReport(sent);
      if (r.includes("<xta:Status>1</xta:Status>")) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the delivery did not become published after close");
  });

  it("pages with MsgBoxRequestID iterators (ItemsPending, getNextStatusList, getNextMessage)", async () => {
    await send();
    await send();
    const [, first] = await suite.system.getStatusList(1);
    expect(messageIdsOf(first)).toHaveLength(1);
    expect(pendingOf(first)).toBe("1");
    const [, second] = await suite.system.getNextStatusList(requestIdOf(first));
    expect(messageIdsOf(second)).toHaveLength(1);
    expect(messageIdsOf(second)[0]).not.toBe(messageIdsOf(first)[0]);
    expect(pendingOf(second)).toBe("0");
    const [, end] = await suite.system.getNextStatusList(requestIdOf(second));
    expect(end).toContain("<osci:NoMessageAvailable");
    const [, bogus] = await suite.system.getNextStatusList("urn:not-an-iterator");
    expect(bogus).toContain("reasons/RequestIdInvalid");

    const [, m1] = await suite.system.getMessage();
    expect(pendingOf(m1)).toBe("1");
    const [, m2] = await suite.system.getNextMessage(requestIdOf(m1));
    expect(messageIdsOf(m2)).toEqual(messageIdsOf(second));
    const [, none] = await suite.system.getNextMessage(requestIdOf(m2));
    expect(none).toContain("<osci:NoMessageAvailable");
    await suite.system.close(requestIdOf(m2), [...messageIdsOf(m1), ...messageIdsOf(m2)]);
    const [, gone] = await suite.system.getStatusList();
    expect(gone).toContain("<osci:NoMessageAvailable");
  });

  it("carries the delivery's files as Attachments", async () => {
    const pdf = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(100_000, 0x0a)]);
    await suite.portal.sendMessage({
      messageId: `urn:de:xta:messageid:sp:${randomUUID()}`,
      author: PORTAL_AUTHOR,
      reader: "ags:01002000",
      message: { contentType: "application/xml", bytes: abmeldung },
      attachments: [{ contentType: "application/pdf", filename: "Abmeldung.pdf", bytes: pdf }],
    });
    const [, fetched] = await suite.system.getMessage();
    const m = /<xta:Attachment contentType="application\/pdf" filename="Abmeldung.pdf" size="(\d+)">([^<]*)</.exec(fetched);
    expect(m?.[1]).toBe(String(pdf.length));
    expect(Buffer.from(m![2]!, "base64").equals(pdf)).toBe(true);
    await suite.system.close(requestIdOf(fetched), messageIdsOf(fetched));
  });

  it("keeps accounts apart: the system may not send, the portal's box holds only its own replies, the Author must match", async () => {
    const err = await suite.system
      .sendMessage({
        messageId: `urn:de:xta:messageid:x:${randomUUID()}`,
        author: "ags:01002000",
        reader: "ags:01002000",
        message: { contentType: "application/xml", bytes: abmeldung },
      })
      .catch((e: unknown) => e);
    expect(faultOf(err)).toMatchObject({ exception: "PermissionDeniedException", code: "9013" });
    // the portal's msgBox holds status replies to what it sent (none here), never the applications
    const [, replies] = await suite.portal.getStatusList();
    expect(replies).toContain("<osci:NoMessageAvailable");
    expect(faultOf(await suite.system.checkAccountActive("ags:09761000").catch((e: unknown) => e))).toMatchObject({
      exception: "PermissionDeniedException",
      code: "9014",
    });
    await suite.system.checkAccountActive("ags:01002000");
  });

  it("gave only replies that are valid against the official XTA schemas", async () => {
    expect(suite.system.replies.length).toBeGreaterThan(15);
    for (const reply of [...suite.system.replies, ...suite.portal.replies]) expect(await xsdErrors(reply), reply).toEqual([]);
  });
});

describe("XTA cancelMessage of a message that only a mailbox subscriber takes", () => {
  const suite = xtaHubPerSuite({
    mailbox: true,
    clients: true,
    // Kiel's queue subscribers would have the message at once; here the mailbox is the only one.
    async configure(xta) {
      const file = path.join(xta.hub.configDir, "tenants/kiel.yaml");
      const kiel = parse(await readFile(file, "utf8"));
      kiel.subscribers = kiel.subscribers.filter((s: { kind?: string }) => s.kind === "xta-mailbox");
      await writeFile(file, stringify(kiel));
      expect(await xta.hub.services.reload()).toEqual({ ok: true });
    },
  });

  const send = async () => {
    const messageId = `urn:de:xta:messageid:sp:${randomUUID()}`;
    await suite.portal.sendMessage({ messageId, author: PORTAL_AUTHOR, reader: "ags:01002000", message: { contentType: "application/xml", bytes: abmeldung } });
    return messageId;
  };

  it("cancels while the message only waits in the box", async () => {
    const sent = await send();
    await suite.portal.cancelMessage(sent);
    const [, report] = await suite.portal.getTransportReport(sent);
    expect(report).toContain("<xta:Status>3</xta:Status>");
    const [, list] = await suite.system.getStatusList();
    expect(list).toContain("<osci:NoMessageAvailable");
  });

  it("denies it once the tenant's system has fetched the message, whose close then succeeds", async () => {
    const sent = await send();
    const [, fetched] = await suite.system.getMessage();
    const [boxId] = messageIdsOf(fetched);
    expect(boxId).toBeDefined();
    const before = await rowCounts(suite.xta.hub.databaseUrl);
    expect(faultOf(await suite.portal.cancelMessage(sent).catch((e: unknown) => e))).toMatchObject({ exception: "CancelDeniedException", code: "9000" });
    expect(await rowCounts(suite.xta.hub.databaseUrl)).toEqual(before);
    await suite.system.close(requestIdOf(fetched), [boxId!]);
    const [, gone] = await suite.system.getStatusList();
    expect(gone).toContain("<osci:NoMessageAvailable");
    const [, report] = await suite.portal.getTransportReport(sent);
    expect(report).toContain("<xta:Status>1</xta:Status>");
  });
});
