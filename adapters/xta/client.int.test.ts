import { createHash, randomUUID } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapterPort } from "../../gateway/port/port.ts";
import type { AdapterContext, HubConfig } from "../../gateway/index.ts";
import { createMailbox } from "../../gateway/mailbox/mailbox.ts";
import type { XtaAccountConfig } from "./config.ts";
import { rowCounts } from "../../test/support/database.ts";
import { REPO, startTestHub, type TestHub } from "../../test/support/hub.ts";
import { TcpProxy } from "../../test/support/tcp-proxy.ts";
import { createXtaClient } from "./client.ts";
import { testPki, type Issued, type TestPki } from "../../test/support/pki.ts";
import { portalClient, type PortalClient } from "./fixtures/portal-client.ts";
import { startXtaHub, PORTAL_AUTHOR, type XtaHub } from "./fixtures/xta-hub.ts";
import { xsdErrors } from "./fixtures/xsd.ts";
import { xtaAdapter } from "./index.ts";
import { readAccounts } from "./accounts.ts";
import { xtaMetrics } from "./metrics.ts";
import { AccountPoller, connectAccount } from "./poller.ts";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The value of one labelled series of a prom-client counter (0 before its first increment). */
async function metricValue(
  counter: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await counter.get();
  return values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
}
const abmeldung = await readFile(path.join(REPO, "mappings/xdomea/fixtures/minimal-transport-reader.input.xml"));
const PASSPHRASE = "pkcs12-test-passphrase";

/**
 * ozg-hub as an XTA client: hub B reads the XTA mailbox that hub A (a real XTA server, over
 * HTTPS with client certificates) keeps for Kiel's system. What B fetches is A's application
 * event, mapped on B by a test mapping.
 */
describe("XTA client role: reading an external XTA mailbox", () => {
  let pki: TestPki;
  let systemCert: Issued;
  let a: XtaHub;
  let b: TestHub;
  let portal: PortalClient;
  let mappings: string;
  let account: XtaAccountConfig;
  const xml: { kind: string; xml: string }[] = [];

  beforeAll(async () => {
    pki = testPki();
    const portalCert = pki.client("formsolutions-xta");
    systemCert = pki.client("kiel-fachverfahren");
    a = await startXtaHub(pki, { portal: portalCert, mailbox: systemCert });
    portal = await portalClient(a.url, pki, portalCert);
    mappings = await mkdtemp(path.join(tmpdir(), "ozg-hub-mappings-"));
    await cp(path.join(REPO, "mappings"), mappings, { recursive: true });
    await cp(path.join(here, "fixtures/mappings/application-event"), path.join(mappings, "application-event"), { recursive: true });
    b = await startTestHub({ mappings });
    account = {
      id: "kiel-land",
      managementUrl: `${a.url}/xta/management`,
      msgBoxUrl: `${a.url}/xta/msgbox`,
      pkcs12File: path.join(b.configDir, "kiel-land.p12"),
      pkcs12PassphraseEnv: "OZG_HUB_TEST_P12_PASSPHRASE",
      caFile: path.join(b.configDir, "land-ca.pem"),
      author: "ags:01002000",
      pollIntervalMs: 100,
      backoffMaxMs: 1000,
      maxListItems: 50,
    };
    await writeFile(account.pkcs12File, systemCert.pkcs12(PASSPHRASE));
    await writeFile(account.caFile!, pki.caPem);
    process.env.OZG_HUB_TEST_P12_PASSPHRASE = PASSPHRASE;
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    if (mappings) await rm(mappings, { recursive: true, force: true });
  });

  const connect = () =>
    createXtaClient({
      managementUrl: account.managementUrl,
      msgBoxUrl: account.msgBoxUrl,
      pfx: systemCert.pkcs12(PASSPHRASE),
      passphrase: PASSPHRASE,
      ca: Buffer.from(pki.caPem),
      author: account.author,
      onXml: (kind, x) => xml.push({ kind, xml: x }),
    });
  const photo = Buffer.alloc(50_000, 0xd8);
  const send = () =>
    portal.sendMessage({
      messageId: `urn:de:xta:messageid:sp:${randomUUID()}`,
      author: PORTAL_AUTHOR,
      reader: "ags:01002000",
      message: { contentType: "application/xml", bytes: abmeldung },
      attachments: [{ contentType: "image/jpeg", filename: "Foto.jpg", bytes: photo }],
    });
  const boxOfA = () =>
    createMailbox(a.hub.services.store, () => new Date()).list({ tenantId: "kiel", subscriberId: "fachverfahren", kind: "xta-mailbox" }, { limit: 100 });

  it("fetches, commits and closes; a crash between commit and close makes no second application", async () => {
    await send();
    await send();
    expect((await boxOfA()).items).toHaveLength(2);

    // The process dies right after the first commit, before it could close the message at A.
    const ctx = adapterPort(b.services);
    let crash = true;
    const crashing: AdapterContext = {
      ...ctx,
      gateway: {
        ...ctx.gateway,
        intake: async (d) => {
          const r = await ctx.gateway.intake(d);
          if (crash) {
            crash = false;
            throw new Error("killed between commit and close");
          }
          return r;
        },
      },
    };
    await expect(new AccountPoller(crashing, account, connect).pollOnce()).rejects.toThrow("killed between commit and close");
    expect((await rowCounts(b.databaseUrl)).applications).toBe(1);
    expect((await boxOfA()).items).toHaveLength(2);

    // Restarted: the first message comes again, is recognised as a duplicate and closed.
    const round = await new AccountPoller(ctx, account, connect).pollOnce();
    expect(round).toEqual({ fetched: 2, committed: 1, duplicates: 1, refused: 0 });
    expect((await rowCounts(b.databaseUrl)).applications).toBe(2);
    expect((await boxOfA()).items).toHaveLength(0);

    const dms = await b.broker.drain(b.queue("kiel", "dms"), { atLeast: 2 });
    expect(dms).toHaveLength(2);
    expect(dms.map((m) => (m.body as any).ozgformat)).toEqual(["application-event", "application-event"]);
    expect((dms[0]!.body as any).data.recipient).toEqual({ xtaReader: "ags:01002000" });
    expect((dms[0]!.body as any).data.attachments.map((f: any) => [f.name, f.size, f.sha256])).toEqual([
      ["Foto.jpg", photo.length, createHash("sha256").update(photo).digest("hex")],
    ]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await b.broker.count(b.queue("kiel", "dms"))).toBe(0);
  });

  it("lets one poller per account hold the lease", async () => {
    const ctx = adapterPort(b.services);
    const one = new AccountPoller(ctx, account, connect);
    const two = new AccountPoller(ctx, account, connect);
    expect(await one.acquireLease()).toBe(true);
    expect(await two.acquireLease()).toBe(false);
    await one.releaseLease();
    expect(await two.acquireLease()).toBe(true);
    await two.releaseLease();
  });

  it("polls in the background from gateway.yaml's xta.accounts, started and stopped with the adapter", async () => {
    const file = path.join(b.configDir, "gateway.yaml");
    const gateway = parse(await readFile(file, "utf8"));
    gateway.xta = { accounts: [{ ...account, pkcs12File: "kiel-land.p12", caFile: "land-ca.pem" }] };
    await writeFile(file, stringify(gateway));
    expect(await b.services.reload()).toEqual({ ok: true });
    const adapter = xtaAdapter(adapterPort(b.services));
    await adapter.start?.();
    try {
      await send();
      const dms = await b.broker.drain(b.queue("kiel", "dms"), { atLeast: 1, waitMs: 10_000 });
      expect(dms).toHaveLength(1);
      for (let i = 0; i < 50 && (await boxOfA()).items.length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect((await boxOfA()).items).toHaveLength(0);
    } finally {
      await adapter.stop?.();
    }
  });

  it("follows accounts added to and removed from gateway.yaml on reload", async () => {
    const file = path.join(b.configDir, "gateway.yaml");
    const withAccounts = async (accounts: XtaAccountConfig[]) => {
      const gateway = parse(await readFile(file, "utf8"));
      gateway.xta = { accounts: accounts.map((x) => ({ ...x, pkcs12File: "kiel-land.p12", caFile: "land-ca.pem" })) };
      await writeFile(file, stringify(gateway));
      expect(await b.services.reload()).toEqual({ ok: true });
    };
    const boxEmptied = async () => {
      for (let i = 0; i < 100 && (await boxOfA()).items.length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      return (await boxOfA()).items.length === 0;
    };
    await withAccounts([]);
    const adapter = xtaAdapter(adapterPort(b.services));
    await adapter.start?.();
    try {
      await send();
      await new Promise((r) => setTimeout(r, 1000)); // ten poll intervals of the account
      expect((await boxOfA()).items).toHaveLength(1); // no account, no poller

      await withAccounts([account]);
      expect(await boxEmptied()).toBe(true);
      expect(await b.broker.drain(b.queue("kiel", "dms"), { atLeast: 1, waitMs: 10_000 })).toHaveLength(1);

      await withAccounts([]);
      await send();
      await new Promise((r) => setTimeout(r, 1000));
      expect((await boxOfA()).items).toHaveLength(1); // the removed account's poller stopped

      await withAccounts([{ ...account, pollIntervalMs: 50 }]); // changed: a new poller with the new settings
      expect(await boxEmptied()).toBe(true);
      expect(await b.broker.drain(b.queue("kiel", "dms"), { atLeast: 1, waitMs: 10_000 })).toHaveLength(1);
    } finally {
      await adapter.stop?.();
      await withAccounts([]);
    }
  });

  it("backs off while the XTA server is unreachable and catches up when it is back", async () => {
    const proxy = await TcpProxy.start({ host: "127.0.0.1", port: Number(new URL(a.url).port) });
    const viaProxy = { ...account, managementUrl: `${proxy.url(a.url)}xta/management`, msgBoxUrl: `${proxy.url(a.url)}xta/msgbox` };
    const before = await rowCounts(b.databaseUrl);
    const counted = async () => ({
      failed: await metricValue(xtaMetrics(b.services.metrics.registry).polls, { account: account.id, outcome: "failed" }),
      committed: await metricValue(xtaMetrics(b.services.metrics.registry).fetched, { account: account.id, result: "committed" }),
    });
    const countedBefore = await counted();
    proxy.cut();
    const [ready] = readAccounts({ dir: b.configDir } as HubConfig, [viaProxy]).ready;
    const poller = new AccountPoller(adapterPort(b.services), viaProxy, () => connectAccount(ready!));
    poller.start();
    try {
      await send();
      await new Promise((r) => setTimeout(r, 800));
      expect(await rowCounts(b.databaseUrl)).toEqual(before);
      expect(b.logs.join("")).toContain("XTA mailbox poll failed, backing off");
      expect((await counted()).failed).toBeGreaterThan(countedBefore.failed);
      proxy.restore();
      const dms = await b.broker.drain(b.queue("kiel", "dms"), { atLeast: 1, waitMs: 10_000 });
      expect(dms).toHaveLength(1);
      for (let i = 0; i < 50 && (await boxOfA()).items.length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect((await boxOfA()).items).toHaveLength(0);
      expect((await counted()).committed).toBe(countedBefore.committed + 1);
    } finally {
      await poller.stop();
      await proxy.close();
    }
  });

  it("sent only requests that are valid against the official XTA schemas", async () => {
    const requests = xml.filter((x) => x.kind === "request");
    expect(new Set(requests.map((r) => /<wsa:Action[^>]*>([^<]+)</.exec(r.xml)?.[1])).size).toBe(4);
    for (const x of xml) expect(await xsdErrors(x.xml), x.xml).toEqual([]);
  });
});
