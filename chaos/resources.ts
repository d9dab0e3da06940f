/**
 * Resource figures of one `ozg-hub serve` process (Linux /proc):
 *  1. a 200 MB attachment via POST /antrag, generated while sent (never held by this script),
 *     and the same attachment downloaded again via GET /api/v1/attachments/:id: idle RSS vs
 *     peak RSS (VmHWM, reset before each step);
 *  2. an XTA sendMessage of ~40 MB (the XTA limit) with the attachment inline as base64;
 *  3. a sustained load (default 3 minutes) with a consumer draining the queues: RSS and open
 *     file descriptors sampled over time.
 *
 *   node --import tsx chaos/resources.ts [--minutes 3] [--mb 200] [--rate 30]
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import { sha256Hex } from "../gateway/auth/portals.ts";
import postgres from "postgres";
import { REPO, TOKENS, writeTestConfig } from "../test/support/config.ts";
import { createTestDatabase } from "../test/support/database.ts";
import { spawnHub } from "../test/support/process.ts";
import { uploadLarge } from "../test/support/large-upload.ts";
import { Recorder } from "./consumer.ts";
import { sendMessageEnvelope, xdomeaApplication, xtaGatewayConfig, xtaHeaders, xtaPortalYaml } from "./xta.ts";
import { Load } from "./load.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const MINUTES = arg("minutes", 3);
const MB = 1024 * 1024;
const SIZE = arg("mb", 200) * MB;
const RATE = arg("rate", 30);
const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const amqpUrl = process.env.AMQP_URL || "amqp://guest:guest@127.0.0.1:5672";
const TENANT_TOKEN = `resources-${randomBytes(6).toString("hex")}`;

function mem(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}
const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
/** Resets VmHWM to the current RSS (clear_refs 5), so that the next peak belongs to the next step. */
const resetPeak = (pid: number) => writeFileSync(`/proc/${pid}/clear_refs`, "5");
const mb = (b: number) => `${(b / MB).toFixed(0)} MB`;

/** The OZG-Cloud sample form (read here: test/support/forms.ts belongs to vitest runs). */
function ozgCloudForm(transactionId: string): unknown {
  const form = JSON.parse(readFileSync(path.join(REPO, "mappings/ozg-cloud/fixtures/gewerbeanmeldung-kiel.input.json"), "utf8"));
  form.control.transactionId = transactionId;
  return form;
}

async function main() {
  const prefix = `res${randomBytes(3).toString("hex")}`;
  const db = await createTestDatabase(databaseUrl);
  const configDir = await writeTestConfig(prefix, { gateway: { xta: xtaGatewayConfig } });
  await writeFile(path.join(configDir, "portals/xtaportal.yaml"), xtaPortalYaml);
  for (const t of ["kiel", "augsburg"]) {
    const f = path.join(configDir, "tenants", `${t}.yaml`);
    await writeFile(f, `${await readFile(f, "utf8")}\napi:\n  tokenSha256: ["${sha256Hex(`${TENANT_TOKEN}-${t}`)}"]\n`);
  }
  const hub = await spawnHub({ DATABASE_URL: db.url, AMQP_URL: amqpUrl, OZG_HUB_CONFIG: configDir }, undefined, { ready: true });
  const pid = hub.child.pid!;
  const queues = ["kiel", "augsburg"].flatMap((t) => ["gewerbe", "dms"].map((s) => `${prefix}.${t}.${s}`));
  const recorder = new Recorder(() => amqpUrl, queues);
  await recorder.start();
  try {
    console.log(`ozg-hub resource figures — ${new Date().toISOString()} — node ${process.version}, pid ${pid}`);
    // Warm up: the first requests load code paths and pools, which is not growth.
    const warm = new Load({ tag: `${prefix}-warm`, urls: () => [hub.url], queue: (t, s) => `${prefix}.${t}.${s}`, ratePerSecond: 50 });
    warm.start();
    await new Promise((r) => setTimeout(r, 3000));
    await warm.stop();
    await new Promise((r) => setTimeout(r, 1000));

    // 1. One large attachment in, and out again.
    const idle = mem(pid);
    resetPeak(pid);
    const t0 = Date.now();
    const up = await uploadLarge({ url: hub.url, token: TOKENS.formsolutions, bytes: SIZE, form: ozgCloudForm(`res-${Date.now()}`) });
    const upPeak = mem(pid).hwm;
    if (up.status !== 202) throw new Error(`upload answered ${up.status}: ${up.body}`);
    const upSeconds = (Date.now() - t0) / 1000;
    console.log(`\n1. ${mb(SIZE)} attachment via POST /antrag in ${upSeconds.toFixed(1)} s (${(SIZE / MB / upSeconds).toFixed(0)} MB/s)`);
    console.log(`   RSS idle ${mb(idle.rss)}, peak during upload ${mb(upPeak)}: growth ${mb(upPeak - idle.rss)} (target < 100 MB)`);

    const deadline = Date.now() + 30_000;
    let attachmentId: string | undefined;
    while (!attachmentId && Date.now() < deadline) {
      const ev = recorder.delivered.find((d) => d.sourceId.startsWith("res-"));
      if (ev) {
        const sql = postgres(db.url, { max: 1 });
        const [row] = await sql`select id from attachments where size = ${SIZE}`;
        await sql.end();
        attachmentId = row?.id as string | undefined;
      }
      if (!attachmentId) await new Promise((r) => setTimeout(r, 200));
    }
    if (!attachmentId) throw new Error("the large attachment was not published within 30 s");
    const before = mem(pid);
    resetPeak(pid);
    const hash = createHash("sha256");
    let got = 0;
    const t1 = Date.now();
    const res = await fetch(`${hub.url}/api/v1/attachments/${attachmentId}`, { headers: { authorization: `Bearer ${TENANT_TOKEN}-kiel` } });
    await pipeline(
      Readable.fromWeb(res.body as any),
      new Writable({
        write(c, _e, cb) {
          hash.update(c);
          got += c.length;
          cb();
        },
      }),
    );
    const downPeak = mem(pid).hwm;
    const sameBytes = got === SIZE && hash.digest("hex") === up.sha256;
    console.log(
      `   download via GET /api/v1/attachments/:id in ${((Date.now() - t1) / 1000).toFixed(1)} s, ${sameBytes ? "same bytes (sha256)" : "DIFFERENT BYTES"}: RSS before ${mb(before.rss)}, peak ${mb(downPeak)}: growth ${mb(downPeak - before.rss)}`,
    );

    // 2. A 40 MB XTA container: the envelope is read whole (inline base64), so this one is
    //    bounded by the XTA limit rather than streamed.
    const base64Budget = 40 * 1000 * 1000 - 8000;
    const attachmentBytes = Math.floor((base64Budget / 4) * 3);
    const envelope = sendMessageEnvelope({
      messageId: `urn:de:xta:messageid:res:${randomBytes(6).toString("hex")}`,
      reader: "ags:01002000",
      document: new TextEncoder().encode(xdomeaApplication({ id: `res-xta-${Date.now()}`, leikaKey: "99050012104000", name: "Test, Ressourcen" })),
    }).replace(
      "</xta:Message>",
      `</xta:Message><xta:Attachment contentType="image/tiff" filename="plan.tif">${Buffer.alloc(attachmentBytes, 0x5a).toString("base64")}</xta:Attachment>`,
    );
    await new Promise((r) => setTimeout(r, 2000));
    const beforeXta = mem(pid);
    resetPeak(pid);
    const t2 = Date.now();
    const xtaRes = await fetch(`${hub.url}/xta/send`, { method: "POST", headers: xtaHeaders(), body: envelope });
    const xtaBody = await xtaRes.text();
    const xtaPeak = mem(pid).hwm;
    console.log(
      `\n2. XTA sendMessage of ${mb(Buffer.byteLength(envelope))} (attachment ${mb(attachmentBytes)} inline) answered ${xtaRes.status}${xtaRes.status === 200 ? "" : ` ${xtaBody.slice(0, 200)}`} in ${((Date.now() - t2) / 1000).toFixed(1)} s`,
    );
    console.log(`   RSS before ${mb(beforeXta.rss)}, peak ${mb(xtaPeak)}: growth ${mb(xtaPeak - beforeXta.rss)} (target < 100 MB)`);

    // 3. Sustained load.
    if (MINUTES <= 0) return;
    console.log(`\n3. sustained load: ${RATE}/s canonical JSON applications for ${MINUTES} min, consumer draining all queues`);
    console.log("   minute   accepted  delivered   RSS      open fds");
    const load = new Load({ tag: `${prefix}-sustained`, urls: () => [hub.url], queue: (t, s) => `${prefix}.${t}.${s}`, ratePerSecond: RATE, retries: 3 });
    const start = Date.now();
    load.start();
    const samples: { rss: number; fds: number }[] = [];
    const end = start + MINUTES * 60_000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, Math.min(15_000, Math.max(0, end - Date.now()))));
      const m = mem(pid);
      const s = { rss: m.rss, fds: fds(pid) };
      samples.push(s);
      const accepted = load.sent.filter((x) => x.acceptedAt).length;
      const delivered = new Set(recorder.delivered.filter((d) => d.sourceId.includes("sustained")).map((d) => d.sourceId)).size;
      console.log(
        `   ${((Date.now() - start) / 60_000).toFixed(2).padStart(6)}  ${String(accepted).padStart(9)}  ${String(delivered).padStart(9)}   ${mb(s.rss).padStart(7)}  ${String(s.fds).padStart(8)}`,
      );
    }
    await load.stop();
    const first = samples[0]!;
    const rest = samples.slice(Math.floor(samples.length / 2));
    const maxRss = Math.max(...rest.map((s) => s.rss));
    const maxFds = Math.max(...rest.map((s) => s.fds));
    console.log(
      `   RSS after the first sample ${mb(first.rss)}, highest in the second half ${mb(maxRss)} (${maxRss - first.rss >= 0 ? "+" : ""}${mb(maxRss - first.rss)}); open fds ${first.fds} → at most ${maxFds}`,
    );
    console.log(`   ${load.sent.filter((x) => x.acceptedAt).length} accepted, ${load.sent.filter((x) => !x.acceptedAt).length} not accepted`);
  } finally {
    await recorder.stop();
    hub.child.kill("SIGTERM");
    await hub.exited;
    const amqp = await import("amqplib");
    const conn = await amqp.connect(amqpUrl);
    const ch = await conn.createChannel();
    for (const q of queues) {
      await ch.deleteQueue(q);
      await ch.deleteQueue(`${q}.dlq`);
    }
    await ch.deleteExchange(`${prefix}.applications`);
    await ch.deleteExchange(`${prefix}.dead-letter`);
    await conn.close();
    await db.drop();
    await rm(configDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
