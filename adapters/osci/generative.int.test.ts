import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conformanceTally, scenarioRuns } from "../../test/support/conformance.ts";
import { rowCounts } from "../../test/support/database.ts";
import { startLibraryHub, type LibraryHub } from "./fixtures/library-hub.ts";
import { javaAvailable, libraryPeer, type LibraryPeer } from "./fixtures/library-peer.ts";
import {
  DOCS,
  driverItems,
  driverSentHashes,
  runDriver,
  scratchFile,
  storedDelivery,
  type DriverContainer,
  type DriverItem,
  type DriverScenario,
} from "./fixtures/library-scenario.ts";

/**
 * The option space of the reference library as Originator, explored rather than listed: each
 * scenario is drawn by fast-check (seed printed; FC_SEED replays it), all of a batch run in one
 * JVM by ScenarioDriver.java, and each must end in exactly one of two outcomes —
 *   accepted: the library exits 0 with 0800, the stored document and attachments are the sent
 *             bytes, the attachment names the sent names, and the event is in the queue of the
 *             tenant whose Reader key the content was encrypted for; or
 *   refused:  the library reads a 9xxx code (not 9000, ozg-hub's own failure) and nothing of
 *             the delivery is stored.
 * CI runs a few scenarios (FC_NUM_RUNS for a long run); outcomes go to the conformance tally.
 */
const RUNS = scenarioRuns(16);
const BATCH = 20;
const TENANT_OF_READER = { addressee_enc: "kiel", originator_enc: "augsburg" } as const;
const DOCS_OF = { kiel: [DOCS.xdomeaKiel, DOCS.xgewerbeKiel, DOCS.xfallKiel], augsburg: [DOCS.xfallAugsburg, DOCS.xdomeaAugsburg] };

// Names and refIds from a Unicode alphabet (umlauts, ß, dashes, CJK, emoji, spaces inside).
const letters = [..."abcXYZ019äöüÄÖÜßéçøÆłŻ東京日本"];
const nameChars = [...letters, " ", "-", "_", ".", "(", ")", "–", "🚲", "€"];
const word = (chars: string[], max: number) => fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: max }).map((a) => a.join("").trim() || "x");
const size = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4096 }) },
  { weight: 2, arbitrary: fc.integer({ min: 4097, max: 300_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 300_001, max: 5 * 1024 * 1024 }) },
);
const attachment = fc.record({
  size,
  refId: word(letters.concat([" ", "-", "."]), 24),
  name: fc.option(word(nameChars, 40), { nil: undefined }),
  iv: fc.constantFrom(12, 16),
});
type Att = { size: number; refId: string; name?: string; iv: number };
interface Draft {
  sign: boolean;
  atts: Att[];
  nested: Draft[];
}
const draft: fc.Memo<Draft> = fc.memo((n) =>
  fc.record({
    sign: fc.boolean(),
    atts: fc.array(attachment, { maxLength: 4 }),
    nested: n > 1 ? fc.array(draft(n - 1), { maxLength: 1 }) : fc.constant([]),
  }),
);
// Most scenarios keep the profile's algorithms (what portals send); one in four varies them.
const algorithms = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ asym: "rsa-oaep" as const, sym: "aes256-gcm", digest: "sha256" as const, signature: "rsa-sha256" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      asym: fc.constantFrom<"rsa-oaep" | "rsa-1_5">("rsa-oaep", "rsa-1_5"),
      sym: fc.constantFrom("aes256-gcm", "aes128-gcm", "aes192-gcm", "aes256-cbc"),
      digest: fc.constantFrom<"sha256" | "sha512">("sha256", "sha512"),
      signature: fc.constantFrom<NonNullable<DriverScenario["signature"]>>("rsa-sha256", "rsa-sha512", "rsa-pss-sha256"),
    }),
  },
);
const scenario = fc.record({
  reader: fc.constantFrom("addressee_enc", "originator_enc") as fc.Arbitrary<keyof typeof TENANT_OF_READER>,
  docPick: fc.nat(),
  containers: fc.array(fc.record({ draft: draft(3), extraDoc: fc.boolean(), iv: fc.constantFrom(12, 16) }), { minLength: 1, maxLength: 3 }),
  transportEnc: fc.boolean(),
  algorithms,
});
type Drawn = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Files for a drawn scenario: refIds made unique within the message, random attachment bytes. */
function materialise(d: Drawn): DriverScenario {
  const used = new Set<string>();
  const unique = (id: string) => {
    let out = id;
    for (let i = 2; used.has(out); i++) out = `${id} ${i}`;
    used.add(out);
    return out;
  };
  const docs = DOCS_OF[TENANT_OF_READER[d.reader]];
  const items = (x: Draft): DriverItem[] => [
    ...x.atts.map((a) => ({
      att: scratchFile(`g-${randomBytes(6).toString("hex")}`, randomBytes(a.size)),
      refId: unique(a.refId),
      ...(a.name ? { name: a.name } : {}),
      iv: a.iv,
    })),
    ...x.nested.map((n) => ({ nested: { sign: n.sign, contents: items(n) } })),
  ];
  const containers: DriverContainer[] = d.containers.map((c, i) => ({
    reader: d.reader,
    sign: c.draft.sign,
    iv: c.iv,
    asym: d.algorithms.asym,
    sym: d.algorithms.sym,
    contents: [...(i === 0 || c.extraDoc ? [{ doc: docs[(d.docPick + i) % docs.length]! }] : []), ...items(c.draft)],
  }));
  return { transportEnc: d.transportEnc, digest: d.algorithms.digest, signature: d.algorithms.signature, containers };
}

describe.skipIf(!javaAvailable())(`OSCI generative interop: the reference library's option space as Originator (${RUNS} scenarios)`, () => {
  let peer: LibraryPeer;
  let h: LibraryHub;
  const tally = conformanceTally({
    protocol: "OSCI-Transport 1.2",
    role: "ozg-hub as Intermediär, the library as Originator (StoreDelivery)",
    peer: "Governikus OSCI-Bibliothek 2.4.1",
    optionSpace: [
      "1–3 content containers, each with 0–4 attachments and up to 2 levels of nested containers (attachments at every level)",
      "attachments of 0 B–5 MB; refIds and Content-Description names from a Unicode alphabet (umlauts, ß, CJK, emoji, spaces)",
      "Author signature on/off per container (nested ones too); transport encryption on/off",
      "GCM IV 12 or 16 bytes; symmetric cipher aes256-gcm, aes192-gcm, aes128-gcm, aes256-cbc; key transport RSA-OAEP or RSA-1_5",
      "digest SHA-256 or SHA-512; signature rsa-sha256, rsa-sha512, rsa-pss-sha256",
      "Reader key of Kiel or Augsburg; xdomea, XGewerbeanzeige and XFall documents of that tenant",
    ],
  });
  beforeAll(async () => {
    peer = libraryPeer();
    h = await startLibraryHub(peer, "intermediary");
  });
  afterAll(async () => {
    tally.write();
    await h?.stop();
  });

  it(
    `each scenario is accepted whole in the Reader's tenant, or refused with a 9xxx code and nothing stored (seed ${fc.readConfigureGlobal().seed})`,
    async () => {
      const drawn = fc.sample(scenario, { seed: fc.readConfigureGlobal().seed, numRuns: RUNS });
      const outcomes: Record<string, number> = {};
      for (let from = 0; from < drawn.length; from += BATCH) {
        const batch = drawn.slice(from, from + BATCH).map(materialise);
        const before = await rowCounts(h.hub.databaseUrl);
        const results = await runDriver(peer, h.url, batch);
        const events = new Map<string, any>();
        let stored = { deliveries: 0, attachments: 0 };
        for (const [i, r] of results.entries()) {
          const s = batch[i]!;
          const tenant = TENANT_OF_READER[s.containers[0]!.reader as keyof typeof TENANT_OF_READER];
          const what = `scenario ${from + i}: ${JSON.stringify(s)}\nlibrary: exit ${r.exit} ${r.steps}`;
          const delivery = r.messageId === "-" ? undefined : await storedDelivery(h.hub.databaseUrl, r.messageId);
          const refused = /(?:fault|code)=(9\d{3})/.exec(r.steps)?.[1];
          if (r.exit === 0) {
            expect(r.steps, what).toMatch(/StoreDelivery code=0800/);
            expect(delivery, what).toBeDefined();
            expect(delivery!.hashes, what).toEqual(driverSentHashes(s));
            const items = s.containers.flatMap(driverItems);
            const sentNames = items.flatMap((it) => ("att" in it ? [it.name ?? it.refId!] : []));
            expect(delivery!.names.length, what).toBe(items.length - 1);
            for (const n of sentNames) expect(delivery!.names, what).toContain(n);
            expect(delivery!.state, `${what}\nparked: ${JSON.stringify(delivery!.parkReason)}`).not.toBe("parked");
            expect(delivery!.tenantId, what).toBe(tenant);
            const event = await eventFor(h, tenant, delivery!.id, events);
            expect(event?.ozgtenant, what).toBe(tenant);
            expect(
              event.data.attachments.map((a: { name: string }) => a.name),
              what,
            ).toEqual(delivery!.names);
            stored = { deliveries: stored.deliveries + 1, attachments: stored.attachments + delivery!.names.length };
            outcomes.accepted = (outcomes.accepted ?? 0) + 1;
            tally.record("accepted");
          } else {
            expect(r.exit, what).toBe(2);
            expect(refused, what).toBeDefined();
            // 9000 ("unspecified error") is ozg-hub failing, not a refusal its sender can act on.
            expect(refused, what).not.toBe("9000");
            expect(delivery, what).toBeUndefined();
            outcomes[`refused ${refused}`] = (outcomes[`refused ${refused}`] ?? 0) + 1;
            tally.record(`refused ${refused}`);
          }
        }
        // Nothing else was stored: exactly the accepted deliveries and their attachments.
        const after = await rowCounts(h.hub.databaseUrl);
        expect(after.deliveries! - before.deliveries!).toBe(stored.deliveries);
        expect(after.attachments! - before.attachments!).toBe(stored.attachments);
      }
      console.log(`OSCI generative interop, ${drawn.length} scenarios (seed ${fc.readConfigureGlobal().seed}): ${JSON.stringify(outcomes)}`);
    },
    60_000 + RUNS * 20_000,
  );
});

/** A delivery's event in a tenant's dms queue; events of other deliveries drained on the way are kept for their turn. */
async function eventFor(h: LibraryHub, tenant: string, deliveryId: string, seen: Map<string, any>): Promise<any> {
  for (let i = 0; i < 60 && !seen.has(deliveryId); i++) {
    for (const m of await h.hub.broker.drain(h.hub.queue(tenant, "dms"), { waitMs: 250 })) seen.set((m.body as any).ozgdelivery, m.body);
  }
  return seen.get(deliveryId);
}
