import { createHash } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conformanceTally, scenarioRuns } from "../../test/support/conformance.ts";
import { rowCounts } from "../../test/support/database.ts";
import { antragBody, ozgCloudForm } from "../../test/support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../../test/support/hub.ts";
import { formArb, jsonLevels, partsArb, type Part } from "./fixtures/generated-forms.ts";

/**
 * The REST intake's input space, explored rather than listed: OZG-Cloud formData as portals
 * build it (nesting, nulls as Jackson writes them, Unicode names, labels and values, 0–100
 * parts) to /antrag, and canonical JSON to /api/v1/applications. The other side is the platform's
 * own HTTP client (undici: FormData, fetch), not ozg-hub code. Each scenario has one of two
 * outcomes: 202 and one event in the right tenant's queue that carries the whole source (the
 * document as sent, every attachment's name, size and hash), or a 4xx problem and nothing
 * stored. Deeper than limits.jsonDepth must be refused; everything else must be delivered.
 */
const RUNS = scenarioRuns(25);
/** A scenario takes up to a few seconds (100 parts, a loaded machine); long runs get the time they need. */
const TIMEOUT = 60_000 + RUNS * 3_000;
const JSON_DEPTH = 64;
const auth = { authorization: `Bearer ${TOKENS.formsolutions}` };
const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

/** The tenants a scenario may address, by the address each intake reads. */
const TENANTS = [
  { id: "kiel", organisationUnitId: "9030229", ags: "01002000" },
  { id: "augsburg", organisationUnitId: "276519", ags: "09761000" },
] as const;
const LEIKA = ["99050012104000", "99123456760000"] as const;

const tally = conformanceTally({
  protocol: "REST",
  role: "ozg-hub as receiving intake, the portal as sender",
  peer: `Node.js ${process.versions.node} built-in HTTP client (undici ${process.versions.undici}: FormData multipart encoder, fetch)`,
  optionSpace: [
    "endpoints: POST /antrag (OZG-Cloud multipart) and POST /api/v1/applications (canonical JSON)",
    "form trees: 0–6 items per group, groups nested 0–40 deep (JSON depth up to ~85, limit 64)",
    "values: string (Unicode graphemes), number, date, boolean, null; members absent or null (Jackson's default)",
    'names and labels: Unicode graphemes, 1–20; attachment file names Unicode (without " CR LF, which WHATWG FormData escapes)',
    "parts: 0–100 representation/attachment parts of 0 B–300 kB (crossing the 256 KiB slice size)",
    "canonical data: arbitrary JSON (Unicode keys, nulls, arrays), wrapped 0–40 levels deep",
    "recipients: two tenants; LeiKa services with and without a trade subscriber",
  ],
});

describe("REST intake, generative: delivered whole to the right tenant, or refused with nothing stored", () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => {
    tally.write();
    await hub?.stop();
  });

  let n = 0;
  /** The tenant each accepted scenario addressed, by source id: every event drained from any queue must match it. */
  const sentTo = new Map<string, string>();
  const rightTenant = (tenant: string, messages: { body: unknown }[]) => {
    for (const m of messages) {
      const ev = m.body as any;
      expect(ev.ozgtenant).toBe(tenant);
      expect(sentTo.get(ev.data.sourceId), `event for ${ev.data.sourceId} in ${tenant}'s queue`).toBe(tenant);
    }
  };
  /** Checks the outcome of one request against the two allowed ones; returns the tally label. */
  async function outcome(
    res: Response,
    expected: { tenant: (typeof TENANTS)[number]; sourceId: string; document: unknown; parts: Part[]; mustRefuse: boolean },
    before: Record<string, number>,
  ): Promise<string> {
    if (res.status !== 202) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const problem = await res.json();
      expect(await rowCounts(hub.databaseUrl)).toEqual(before);
      if (expected.mustRefuse) expect(problem.detail).toContain("limits.jsonDepth");
      else expect.fail(`refused what must be delivered: ${res.status} ${problem.detail}`);
      return `refused ${res.status} ${problem.type.replace(/^.*:/, "")}`;
    }
    expect(expected.mustRefuse, "accepted a document deeper than limits.jsonDepth").toBe(false);
    sentTo.set(expected.sourceId, expected.tenant.id);
    const queue = hub.queue(expected.tenant.id, "dms");
    const got = await hub.broker.drain(queue, { atLeast: 1 });
    rightTenant(expected.tenant.id, got);
    const mine = got.filter((m) => (m.body as any).data.sourceId === expected.sourceId);
    expect(mine).toHaveLength(1);
    const ev = mine[0]!.body as any;
    expect(ev.ozgtenant).toBe(expected.tenant.id);
    expect(ev.data.content.document).toEqual(expected.document);
    expect(ev.data.attachments.map((a: any) => [a.name, a.group, a.size, a.sha256])).toEqual(
      expected.parts.map((p) => [p.name, p.part, Buffer.byteLength(p.content), sha(p.content)]),
    );
    for (const t of TENANTS) for (const s of ["dms", "gewerbe"]) rightTenant(t.id, await hub.broker.drain(hub.queue(t.id, s), { waitMs: 0 }));
    return "accepted 202";
  }

  it(
    `/antrag: ${RUNS} generated OZG-Cloud forms with 0–100 parts`,
    async () => {
      await fc.assert(
        fc.asyncProperty(formArb, partsArb, fc.constantFrom(...TENANTS), fc.constantFrom(...LEIKA), async (formData, parts, tenant, leika) => {
          const transactionId = `gen-antrag-${++n}`;
          const form = { ...ozgCloudForm({ transactionId, zustaendigeStelle: tenant.organisationUnitId, leikaIds: [leika] }), formData };
          const text = JSON.stringify(form);
          const before = await rowCounts(hub.databaseUrl);
          const res = await hub.app.request("/antrag", { method: "POST", headers: auth, body: antragBody(text, parts) });
          const mustRefuse = jsonLevels(form) > JSON_DEPTH;
          tally.record(await outcome(res, { tenant, sourceId: transactionId, document: JSON.parse(text), parts, mustRefuse }, before));
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    `/api/v1/applications: ${RUNS} generated canonical submissions`,
    async () => {
      const data = fc.record({ value: fc.jsonValue({ maxDepth: 4 }), wrap: fc.nat({ max: 40 }) });
      const name = fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0);
      await fc.assert(
        fc.asyncProperty(data, name, fc.constantFrom(...TENANTS), async ({ value, wrap }, applicant, tenant) => {
          const key = `gen-canonical-${++n}`;
          let wrapped: unknown = value;
          for (let i = 0; i < wrap; i++) wrapped = { "ebene ü": [wrapped] };
          const submission = {
            service: { leikaKeys: [LEIKA[1]] },
            recipient: { ags: tenant.ags },
            applicant: { kind: "person", name: applicant },
            data: { antrag: wrapped },
          };
          const text = JSON.stringify(submission);
          const before = await rowCounts(hub.databaseUrl);
          const res = await hub.app.request("/api/v1/applications", {
            method: "POST",
            headers: { ...auth, "content-type": "application/json", "idempotency-key": key },
            body: text,
          });
          const mustRefuse = jsonLevels(submission) > JSON_DEPTH;
          tally.record(await outcome(res, { tenant, sourceId: key, document: JSON.parse(text), parts: [], mustRefuse }, before));
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );
});
