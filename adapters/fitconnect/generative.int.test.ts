import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conformanceTally, scenarioRuns } from "../../test/support/conformance.ts";
import { rowCounts } from "../../test/support/database.ts";
import type { Outgoing } from "./fixtures/sender.ts";
import { fimData, fitConnectTestbed, storedSubmission, type Testbed } from "./fixtures/testbed.ts";

const EVENTS = "https://schema.fitko.de/fit-connect/events/";
const ATTACHMENT_LIMIT = 4 * 1024 ** 2;
const RUNS = scenarioRuns(20);

/** One submission as a sender in the field may build it (node-jose does the cryptography). */
interface Scenario {
  compress: boolean;
  key: "current" | "previous" | "stranger";
  kid: "kid" | "thumbprint" | "other";
  /** The organisation unit the data names: the destination's tenant's, another tenant's, or none of ours. */
  claims: "9030229" | "276519" | "1234567";
  nullsInData: boolean;
  attachments: {
    size: number;
    compressible: boolean;
    filename: string | null | undefined;
    description: string | null | undefined;
    mimeType: string;
    purpose: "form" | "attachment" | "report";
  }[];
}

/** One of the values, each drawn as often as its weight. */
const weighted = <T>(...choices: [number, T][]): fc.Arbitrary<T> => fc.oneof(...choices.map(([weight, v]) => ({ weight, arbitrary: fc.constant(v) })));
const unicodeName = fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 });
// Most attachments small, some medium, few big: a CI run stays short, a long run reaches 5 MB.
const size = fc.oneof(
  { weight: 30, arbitrary: fc.integer({ min: 0, max: 20_000 }) },
  { weight: 6, arbitrary: fc.integer({ min: 20_000, max: 600_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 3_500_000, max: 5_200_000 }) },
);
const scenario: fc.Arbitrary<Scenario> = fc.record({
  compress: fc.boolean(),
  // Weighted so that most scenarios are sound and go all the way through intake.
  key: weighted<Scenario["key"]>([6, "current"], [2, "previous"], [1, "stranger"]),
  kid: weighted<Scenario["kid"]>([4, "kid"], [4, "thumbprint"], [1, "other"]),
  claims: fc.constantFrom<Scenario["claims"][]>("9030229", "9030229", "276519", "1234567"),
  nullsInData: fc.boolean(),
  attachments: fc.array(
    fc.record({
      size,
      compressible: fc.boolean(),
      filename: fc.oneof({ weight: 40, arbitrary: unicodeName }, { weight: 4, arbitrary: weighted([1, null], [3, undefined]) }),
      description: fc.oneof({ weight: 25, arbitrary: unicodeName }, { weight: 15, arbitrary: weighted([1, null], [14, undefined]) }),
      mimeType: fc.constantFrom("application/pdf", "image/jpeg", "application/xml", "application/vnd.oasis.opendocument.text", "text/plain"),
      purpose: fc.constantFrom<("form" | "attachment" | "report")[]>("form", "attachment", "report"),
    }),
    { maxLength: 10 },
  ),
});

/**
 * The problem type a scenario must be rejected for, or undefined when it must be accepted. The
 * metadata schema allows null nowhere, so a null filename or description is a schema violation.
 */
function expectedRejection(s: Scenario): string | undefined {
  if (s.key === "stranger" || s.kid === "other") return "encryption-issue";
  if (s.attachments.some((a) => a.filename === null || a.description === null)) return "schema-violation";
  if (s.attachments.some((a) => a.size > ATTACHMENT_LIMIT)) return "technical-error";
  return undefined;
}

function bytesOf(a: Scenario["attachments"][number]): Buffer {
  return a.compressible ? Buffer.alloc(a.size, "Anlage zum Antrag – Seite 1. ") : randomBytes(a.size);
}

function dataOf(s: Scenario): Buffer {
  const doc = JSON.parse(fimData.toString("utf8")) as Record<string, Record<string, unknown>>;
  doc.G17003529!.F17003371 = Number(s.claims);
  if (s.nullsInData) Object.assign(doc.G60000086!, { F60000229: null, G60000233: { F60000248: null } });
  return Buffer.from(JSON.stringify(doc));
}

/**
 * The generative interop property of FIT-Connect: node-jose-built submissions drawn from what
 * senders do (compressed or not, kid or thumbprint, current or previous key, 0–10 attachments up
 * to ~5 MB with Unicode names, nulls in the data and in the metadata, a document naming another
 * tenant) against the local Submission API, real Postgres and RabbitMQ. Every scenario ends in
 * exactly one of: accepted, stored whole and published to the destination's tenant; or rejected
 * with a reject-submission problem and nothing stored.
 */
describe("FIT-Connect submissions drawn from the sender's option space", () => {
  let t: Testbed;
  const tally = conformanceTally({
    protocol: "FIT-Connect",
    role: "ozg-hub as subscriber (destination), node-jose as sender and platform",
    peer: "node-jose 2.2.0 (Cisco) behind a local Submission API v1",
    optionSpace: [
      "zip: DEF or uncompressed",
      "key named by kid, by RFC 7638 thumbprint or by an unknown id; current, previous or a stranger's key",
      "0–10 attachments of 0 B–5.2 MB (most under 20 kB), random or compressible bytes",
      "Unicode attachment names and descriptions (graphemes), null or absent",
      "nulls in the data document",
      "the data naming the destination's tenant, another tenant or no tenant",
    ],
  });
  afterAll(() => tally.write());

  beforeAll(async () => {
    t = await fitConnectTestbed({ gateway: { limits: { attachmentBytes: ATTACHMENT_LIMIT } } });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it(
    `ends each of ${RUNS} submissions accepted whole at the destination's tenant or rejected with nothing stored`,
    async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const files = s.attachments.map(bytesOf);
          const before = await rowCounts(t.hub.databaseUrl);
          const sent = await t.submit({
            compress: s.compress,
            kid: s.kid === "other" ? { other: `kid-${randomBytes(4).toString("hex")}` } : s.kid,
            encryptFor: { current: t.encryption, previous: t.previousEncryption, stranger: t.stranger }[s.key].publicJwk,
            data: { bytes: dataOf(s), mimeType: "application/json", schemaUri: "https://schema.fitko.de/fim/s00000114_1.3.schema.json" },
            attachments: s.attachments.map((a, i) => ({ ...a, bytes: files[i]! })) as Outgoing["attachments"],
          });
          await t.server.notify(t.destinationId, t.deliver);
          const events = (await t.decisionOf(sent.submissionId)).payload.events as Record<string, { problems?: { type: string }[] }>;
          const [type] = Object.keys(events);
          const stored = await storedSubmission(t.hub.databaseUrl, sent.submissionId);
          const expected = expectedRejection(s);

          if (type === `${EVENTS}accept-submission`) {
            tally.record("accepted");
            expect(expected).toBeUndefined();
            // Stored whole: every attachment, its name as sent (or the adapter's name for none), its bytes.
            expect(stored?.tenantId).toBe("kiel");
            expect(stored!.attachments.map((a) => a.name)).toEqual(s.attachments.map((a, i) => a.filename ?? `attachment-${sent.attachmentIds[i]}`));
            stored!.attachments.forEach((a, i) => expect(a.bytes.equals(files[i]!)).toBe(true));
            // Published to the destination's tenant only (both its subscribers take a Gewerbeanmeldung), whatever tenant the document names.
            for (const subscriber of ["dms", "gewerbe"]) {
              const [message, ...more] = await t.hub.broker.drain(t.hub.queue("kiel", subscriber), { atLeast: 1 });
              expect(more).toHaveLength(0);
              expect((message!.body as { data: { sourceId: string } }).data.sourceId).toBe(sent.submissionId);
            }
          } else {
            expect(type).toBe(`${EVENTS}reject-submission`);
            const problems = events[type!]!.problems ?? [];
            const kind = problems[0]?.type.split("/").pop();
            tally.record(`rejected ${kind}`);
            expect(kind).toBe(expected);
            expect(stored).toBeUndefined();
            expect(await rowCounts(t.hub.databaseUrl)).toEqual(before);
          }
          for (const q of t.hub.allQueues()) expect(await t.hub.broker.count(q), q).toBe(0);
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    },
    600_000 + RUNS * 20_000,
  );
});
