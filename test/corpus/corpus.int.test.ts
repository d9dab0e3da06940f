import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { xtaGatewayConfig, xtaPortalYaml } from "../../chaos/xta.ts";
import { messageOf } from "../../gateway/errors.ts";
import { REPO, writeTestConfig } from "../support/config.ts";
import { createTestDatabase } from "../support/database.ts";
import { spawnHub, type HubProcess } from "../support/process.ts";
import { json, malformedFiles, malformedGenerated, schemaViolations, unusualButWellFormedXml, validCanonical, validXml, xml } from "./documents.ts";
import type { TestHub } from "../support/hub.ts";
import { prepareOsci, type OsciSetup } from "../../adapters/osci/fixtures/osci-hub.ts";
import { intakes, multipart, type Doc, type Intake, type Refusal } from "./intakes.ts";
import { osciIntake } from "./osci-intake.ts";

const LIMITS = { documentBytes: 64 * 1024, attachmentBytes: 256 * 1024, deliveryBytes: 400 * 1024, attachments: 3, xmlDepth: 64 };
const COUNTS = `select (select count(*) from deliveries)::int as deliveries, (select count(*) from attachments)::int as attachments,
  (select count(*) from attachment_chunks)::int as attachment_chunks, (select count(*) from applications)::int as applications,
  (select count(*) from outbox)::int as outbox, (select count(*) from events)::int as events`;

/**
 * The bad-input corpus, thrown at every intake of a real `ozg-hub serve` process over HTTP:
 * files from test/corpus/files, documents built in code, and fast-check generators. For each
 * input: the protocol's error (status and problem type), the process still up, the store's
 * row counts unchanged, and, over the whole run, the process's peak memory bounded.
 */
describe("bad-input corpus against every intake", () => {
  let hub: HubProcess;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let sql: postgres.Sql;
  let configDir: string;
  let mappingsDir: string;
  let tried = 0;
  let idleRss = 0;
  let failures: string[] = [];
  let osci: OsciSetup;

  beforeAll(async () => {
    db = await createTestDatabase(inject("databaseUrl"));
    sql = postgres(db.url, { max: 1, onnotice: () => {} });
    // The mappings the REST intakes need; XML in the corpus's own namespace is parked, never mapped.
    mappingsDir = await mkdtemp(path.join(tmpdir(), "ozg-hub-corpus-mappings-"));
    for (const m of ["canonical", "ozg-cloud"]) await cp(path.join(REPO, "mappings", m), path.join(mappingsDir, m), { recursive: true });
    const prefix = `corpus${randomBytes(3).toString("hex")}`;
    osci = prepareOsci();
    configDir = await writeTestConfig(prefix, { mappings: mappingsDir, gateway: { limits: LIMITS, xta: xtaGatewayConfig, osci: osci.gateway } });
    await writeFile(path.join(configDir, "portals/xtaportal.yaml"), xtaPortalYaml);
    // The OSCI fixture writes the portal and the tenants' Reader keys into a config directory
    // and reloads; here the process starts after, so there is nothing to reload yet.
    await osci.configure({ configDir, services: { reload: async () => ({ ok: true }) } } as unknown as TestHub);
    // The broker is not needed to refuse; an unreachable one keeps this file off the shared broker.
    hub = await spawnHub({ DATABASE_URL: db.url, AMQP_URL: "amqp://guest:guest@127.0.0.1:1", OZG_HUB_CONFIG: configDir });
    idleRss = await rss(hub);
    if (!intakes.some((i) => i.name.startsWith("OSCI"))) intakes.push(osciIntake(osci, () => hub.url));
  });
  afterAll(async () => {
    if (hub && hub.child.exitCode === null) {
      hub.child.kill("SIGTERM");
      await hub.exited;
    }
    await sql?.end();
    await db?.drop();
    await rm(configDir, { recursive: true, force: true });
    await rm(mappingsDir, { recursive: true, force: true });
    await osci?.cleanup();
  });

  beforeEach(() => {
    failures = [];
  });

  const counts = async () => (await sql.unsafe(COUNTS))[0] as Record<string, number>;

  /** Sends one bad input and checks every promise about it; failures are collected, not thrown, to report them all. */
  async function refused(label: string, intake: Intake, path: string, init: RequestInit, expected: Refusal): Promise<void> {
    tried++;
    const before = await counts();
    let res: Response;
    let raw: Buffer;
    try {
      res = await fetch(`${hub.url}${path}`, { ...init, signal: AbortSignal.timeout(20_000) });
      raw = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      failures.push(`${intake.name} / ${label}: no answer (${messageOf(err)})`);
      return;
    }
    let wrong: string | undefined;
    try {
      wrong = intake.check(res, raw.toString("utf8"), expected, raw);
    } catch (err) {
      wrong = `unreadable answer: ${messageOf(err)}`;
    }
    if (wrong) failures.push(`${intake.name} / ${label}: ${wrong}`);
    const after = await counts();
    if (JSON.stringify(after) !== JSON.stringify(before))
      failures.push(`${intake.name} / ${label}: store changed ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    if (hub.child.exitCode !== null) throw new Error(`ozg-hub died on ${intake.name} / ${label}:\n${hub.output.join("").slice(-3000)}`);
  }

  const send = async (label: string, intake: Intake, doc: Doc, expected: Refusal) => {
    const r = await intake.request(doc);
    return refused(label, intake, r.path, r.init, expected);
  };

  it("accepts a valid document on every intake (the control: refusals below are not an accident)", async () => {
    for (const intake of intakes) {
      const doc = intake.kinds.includes("xml")
        ? xml(validXml)
        : json(
            intake.name.includes("antrag")
              ? await readFile(path.join(REPO, "mappings/ozg-cloud/fixtures/gewerbeanmeldung-kiel.input.json"))
              : validCanonical.replace("corpus-base", `control-${tried++}`),
          );
      const r = await intake.request(doc);
      const res = await fetch(`${hub.url}${r.path}`, r.init);
      const raw = Buffer.from(await res.arrayBuffer());
      const ok = intake.accepted ? intake.accepted(res, raw) : res.status >= 200 && res.status < 300;
      expect(ok, `${intake.name}: ${res.status} ${raw.toString("utf8").slice(0, 300)}`).toBe(true);
    }
    // The baseline for "stays small" is the process after one good delivery on every intake: the
    // OSCI signature check's worker thread starts with the first signed request, a fixed cost
    // that no bad input adds to.
    idleRss = await rss(hub);
  });

  it("refuses malformed documents from the files and generators with the protocol's error", async () => {
    for (const intake of intakes) {
      for (const f of malformedFiles()) if (intake.kinds.includes(f.kind)) await send(f.name, intake, f.doc, "malformed");
      for (const g of malformedGenerated(LIMITS)) if (intake.kinds.includes(g.kind)) await send(g.name, intake, g.doc, g.refusal);
      if (intake.schema) for (const v of schemaViolations()) await send(v.name, intake, v.doc, "invalid");
      const anon = await intake.request(intake.kinds.includes("json") ? json(validCanonical) : xml(validXml), { token: null });
      await refused("no token", intake, anon.path, anon.init, "unauthorized");
      const r = await intake.request(intake.kinds.includes("json") ? json(validCanonical) : xml(validXml), { token: "formsolutions-dev-token-but-wrong" });
      await refused("wrong token", intake, r.path, r.init, "unauthorized");
      const plain = await intake.request(json(validCanonical));
      for (const p of intake.protocolCases?.() ?? []) await refused(p.name, intake, p.path, p.init, p.expected);
      await refused(
        "text/plain body",
        intake,
        plain.path,
        { method: "POST", headers: { ...(plain.init.headers as Record<string, string>), "content-type": "text/plain" }, body: validCanonical },
        "unsupported",
      );
    }
    expect(failures).toEqual([]);
  });

  it("refuses broken, incomplete and oversize multipart bodies", async () => {
    const auth = { authorization: "Bearer formsolutions-dev-token" };
    for (const intake of intakes.filter((i) => i.multipart)) {
      const { documentPart: part, attachmentPart: file } = intake.multipart!;
      const doc = json(validCanonical);
      const { path: target } = await intake.request(doc);
      const post = (label: string, body: BodyInit, expected: Refusal, headers: Record<string, string> = {}) =>
        refused(label, intake, target, { method: "POST", headers: { ...auth, ...headers }, body }, expected);
      const onlyFile = new FormData();
      onlyFile.append(file, new Blob([new Uint8Array(100_000)]), "scan.pdf");
      await post("document part missing (after an attachment was streamed)", onlyFile, "malformed");
      await post("document part twice", multipart(part, doc, [{ name: part, type: "application/json", content: validCanonical }]), "malformed");
      await post("no boundary", "x", "malformed", { "content-type": "multipart/form-data" });
      await post(
        "closing boundary missing",
        `--b\r\nContent-Disposition: form-data; name="${part}"\r\nContent-Type: application/json\r\n\r\n${validCanonical}\r\n`,
        "malformed",
        { "content-type": "multipart/form-data; boundary=b" },
      );
      await post("part headers cut off", `--b\r\nContent-Disposition: form-data; name="${part}"`, "malformed", {
        "content-type": "multipart/form-data; boundary=b",
      });
      await post("empty body", "", "malformed", { "content-type": "multipart/form-data; boundary=b" });
      await post(
        "attachment over the limit",
        multipart(part, doc, [{ name: file, filename: "big.pdf", content: new Uint8Array(LIMITS.attachmentBytes + 1) }]),
        "too_large",
      );
      await post(
        "attachments over the delivery limit",
        multipart(
          part,
          doc,
          [1, 2].map((i) => ({ name: file, filename: `${i}.pdf`, content: new Uint8Array(210 * 1024) })),
        ),
        "too_large",
      );
      await post(
        "too many attachments",
        multipart(
          part,
          doc,
          [1, 2, 3, 4].map((i) => ({ name: file, filename: `${i}.txt`, content: "x" })),
        ),
        "too_large",
      );
      await post("document part over the limit", multipart(part, json(`{"a":"${"x".repeat(LIMITS.documentBytes)}"}`)), "too_large");
      await post(
        "document part over the limit, as a file",
        (() => {
          const fd = new FormData();
          fd.append(part, new Blob([`{"a":"${"x".repeat(LIMITS.documentBytes)}"}`], { type: "application/json" }), "doc.json");
          return fd;
        })(),
        "too_large",
      );
      if (intake.name.includes("antrag"))
        await post("part the intake does not know", multipart(part, doc, [{ name: "virus", filename: "x.exe", content: "MZ" }]), "malformed");
    }
    expect(failures).toEqual([]);
  });

  it("refuses what fast-check generates: truncations, invalid UTF-8, deep nesting, garbage", async () => {
    const runs = Number(process.env.CORPUS_RUNS ?? 25);
    for (const intake of intakes) {
      for (const kind of intake.kinds) {
        const base = kind === "json" ? validCanonical : validXml;
        const wrap = kind === "json" ? json : xml;
        // A proper prefix of a JSON object or of an XML document with one root is never well-formed.
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 0, max: base.length - 1 }), async (cut) => {
            await send(`${kind} truncated at ${cut}`, intake, wrap(base.slice(0, cut)), "malformed");
          }),
          { numRuns: runs },
        );
        // Bytes that can never occur in UTF-8, inserted anywhere.
        const invalid = fc.constantFrom([0xff], [0xfe], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc3]);
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 0, max: base.length }), invalid, async (at, seq) => {
            const b = new TextEncoder().encode(base);
            const bytes = new Uint8Array([...b.subarray(0, at), ...seq, ...b.subarray(at)]);
            await send(`${kind} with invalid UTF-8 ${seq.map((x) => x.toString(16)).join(" ")} at ${at}`, intake, wrap(bytes), "malformed");
          }),
          { numRuns: runs },
        );
        if (kind === "xml") {
          await fc.assert(
            fc.asyncProperty(fc.integer({ min: LIMITS.xmlDepth + 1, max: 2000 }), fc.constantFrom("a", "x:Antrag", "Über"), async (depth, tag) => {
              const open = tag.includes(":") ? `<${tag} xmlns:x="urn:corpus:test">` : `<${tag}>`;
              await send(`xml ${depth} deep`, intake, xml(`${open}${`<${tag}>`.repeat(depth - 1)}${`</${tag}>`.repeat(depth)}`), "malformed");
            }),
            { numRuns: Math.ceil(runs / 2) },
          );
        } else {
          await fc.assert(
            fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 3000 }), async (bytes) => {
              let parses = true;
              try {
                JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
              } catch {
                parses = false;
              }
              fc.pre(!parses);
              await send(`random bytes (${bytes.length})`, intake, json(bytes), "malformed");
            }),
            { numRuns: runs },
          );
        }
      }
      if (intake.schema) {
        await fc.assert(
          fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
            await send("arbitrary JSON value", intake, json(JSON.stringify(value)), "invalid");
          }),
          { numRuns: runs },
        );
      }
      if (intake.multipart) {
        await fc.assert(
          fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 5000 }), async (bytes) => {
            const r = await intake.request(json(validCanonical));
            await refused(
              `random multipart body (${bytes.length})`,
              intake,
              r.path,
              {
                method: "POST",
                headers: { authorization: "Bearer formsolutions-dev-token", "content-type": "multipart/form-data; boundary=ozgcorpusXyZ" },
                body: bytes,
              },
              "malformed",
            );
          }),
          { numRuns: runs },
        );
      }
    }
    expect(failures).toEqual([]);
  }, 300_000); // hundreds of requests: on a loaded two-core machine this takes minutes, not seconds

  it("parks well-formed XML with duplicated or reordered elements, stored once, never routed", async () => {
    for (const intake of intakes.filter((i) => i.kinds.includes("xml"))) {
      for (const c of unusualButWellFormedXml()) {
        tried++;
        const before = await counts();
        const r = await intake.request(c.doc);
        const res = await fetch(`${hub.url}${r.path}`, r.init);
        const raw = Buffer.from(await res.arrayBuffer());
        const text = raw.toString("utf8");
        if (intake.accepted) {
          expect(intake.accepted(res, raw), `${intake.name} / ${c.name}: ${res.status}`).toBe(true);
        } else if (r.path.startsWith("/xta/")) {
          expect(res.status, `${intake.name} / ${c.name}: ${text.slice(0, 300)}`).toBe(200);
        } else {
          expect(res.status, `${intake.name} / ${c.name}`).toBe(202);
          expect(JSON.parse(text).state, `${intake.name} / ${c.name}`).toBe("parked");
        }
        const [state] = await sql<{ state: string }[]>`select state from deliveries order by received_at desc limit 1`;
        expect(state!.state, `${intake.name} / ${c.name}`).toBe("parked");
        const after = await counts();
        expect(after.deliveries).toBe(before.deliveries! + 1);
        expect(after.applications).toBe(before.applications);
        expect(after.outbox).toBe(before.outbox);
      }
    }
  });

  it("streams an oversize body to its refusal without holding it, and stays up and small", async () => {
    const intake = intakes[0]!;
    // 50 MB of JSON, generated while sent: refused after the document limit, not read whole.
    const total = 50 * 1024 * 1024;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= total) return controller.close();
        const piece = new TextEncoder().encode(sent === 0 ? `{"sourceId":"${"x".repeat(65_000)}` : "x".repeat(65_536));
        sent += piece.length;
        controller.enqueue(piece);
      },
    });
    tried++;
    const before = await counts();
    const res = await fetch(`${hub.url}/api/v1/applications`, {
      method: "POST",
      headers: { authorization: "Bearer formsolutions-dev-token", "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit).catch((err: Error) => err);
    if (res instanceof Response) {
      const raw = Buffer.from(await res.arrayBuffer());
      expect(intake.check(res, raw.toString("utf8"), "too_large", raw)).toBeUndefined();
    } else {
      // The server may close the connection once it has refused; it must not have read on.
      expect(sent).toBeLessThan(total);
    }
    expect(await counts()).toEqual(before);
    const health = await fetch(`${hub.url}/healthz`);
    expect(health.status).toBe(200);
    const mem = await peak(hub);
    console.log(
      `bad-input corpus: ${tried} cases tried against ${intakes.length} intakes; ozg-hub RSS idle ${mb(idleRss)}, peak ${mb(mem)} (growth ${mb(mem - idleRss)})`,
    );
    expect(mem - idleRss).toBeLessThan(150 * 1024 * 1024);
    expect(tried).toBeGreaterThan(500);
  });
});

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

async function procStatus(p: HubProcess, key: string): Promise<number> {
  const status = await readFile(`/proc/${p.child.pid}/status`, "utf8");
  return Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
}
const rss = (p: HubProcess) => procStatus(p, "VmRSS");
const peak = (p: HubProcess) => procStatus(p, "VmHWM");
