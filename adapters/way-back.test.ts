import { describe, expect, it } from "vitest";
import type { AdapterContext, PortalConfig } from "../gateway/index.ts";
import { chooseWayBack } from "../gateway/status/accept.ts";
import { osciWayBack } from "./osci/way-back.ts";
import { restWayBack } from "./rest/way-back.ts";
import { xtaWayBack } from "./xta/way-back.ts";

describe("the way back by the channel an application came in over", () => {
  // Choosing does no I/O, so the REST adapter's context is not touched here.
  const wayBacks = new Map([
    ["rest", restWayBack({} as AdapterContext)],
    ["xta", xtaWayBack({ prepare: () => () => new Map() } as unknown as AdapterContext)],
    ["osci", osciWayBack(() => undefined)],
  ]);
  const portal = { id: "p", name: "P", tokenSha256: [], channels: ["rest"], forms: {} } as unknown as PortalConfig;
  const over = (channel: string) => ({ channel, sourceMessageId: null, metadata: null });

  it("REST with a webhook is sent, without one parked; XTA to the portal's own XTA server or its msgBox; OSCI to the portal's Intermediär or parked for the operator", () => {
    expect(chooseWayBack(wayBacks, { ...portal, webhook: { url: "https://p.example/h", secretEnv: "S" } }, over("rest"))).toEqual({
      channel: "webhook",
      state: "pending",
    });
    expect(chooseWayBack(wayBacks, portal, over("rest"))).toMatchObject({ channel: "parked", reason: "the portal has no webhook configured" });
    const xtaPortal = { ...portal, xta: { certificateSha256: ["a".repeat(64)], authorIdentifiers: ["psw:p"] } } as PortalConfig;
    expect(chooseWayBack(wayBacks, xtaPortal, over("xta"))).toEqual({ channel: "xta-mailbox", state: "pending" });
    const replyServer = { sendUrl: "https://xta.p.example/send", pkcs12File: "p.p12", timeoutMs: 30_000 };
    expect(chooseWayBack(wayBacks, { ...xtaPortal, xta: { ...xtaPortal.xta!, replyServer } }, over("xta"))).toEqual({
      channel: "xta-client",
      state: "pending",
    });
    expect(chooseWayBack(wayBacks, portal, over("xta"))).toMatchObject({ state: "parked", reason: "the portal has no XTA account" });
    expect(chooseWayBack(wayBacks, portal, over("osci"))).toMatchObject({
      state: "parked",
      reason: expect.stringContaining("OSCI replies are held for the operator"),
    });
    const osciPortal = { ...portal, osci: { signatureCertFiles: ["p.pem"] } } as PortalConfig;
    expect(chooseWayBack(wayBacks, osciPortal, over("osci"))).toMatchObject({ state: "parked" });
    const replyIntermediary = {
      url: "https://intermediaer.example/osci",
      cipherCertFile: "i.pem",
      signatureCertFiles: [],
      subject: "Status",
      timeoutMs: 30_000,
    };
    expect(chooseWayBack(wayBacks, { ...osciPortal, osci: { ...osciPortal.osci!, replyIntermediary } }, over("osci"))).toEqual({
      channel: "osci-store-delivery",
      state: "pending",
    });
  });
  it("a channel without an adapter that declares a way back is parked with the channel named", () => {
    expect(chooseWayBack(wayBacks, portal, over("sftp"))).toEqual({ channel: "parked", state: "parked", reason: "no way back over sftp" });
  });
});
