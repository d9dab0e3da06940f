/**
 * XTA sendMessage through the real HTTPS port of an `ozg-hub serve` process (its own XTA
 * listener, TLS client certificates from a throw-away PKI) until a consumer has each
 * application from the subscriber queue. Messages are
 * the ~6 KB xdomea Gewerbeanmeldung fixture, each with its own ProzessID, so latency is from
 * the send to the consumer. `npm run bench` reports it as a ratio to the REST path; alone:
 * `node --import tsx bench/xta.ts [n] [concurrency] [raw|soap]`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import https from "node:https";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import amqp from "amqplib";
import { parse, stringify } from "yaml";
import { metaDataXml, portalClient, type PortalClient } from "../adapters/xta/fixtures/portal-client.ts";
import { testPki } from "../adapters/xta/fixtures/pki.ts";
import { REPO, writeTestConfig } from "../test/support/config.ts";
import { createTestDatabase } from "../test/support/database.ts";
import { freePort, spawnHub } from "../test/support/process.ts";
import { removeBrokerNames } from "./cleanup.ts";
import { percentile } from "./rest.ts";

const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const amqpUrl = process.env.AMQP_URL || "amqp://guest:guest@127.0.0.1:5672";
const AUTHOR = "psw:formsolutions";

/**
 * `client: "raw"` (default) posts ready SOAP envelopes over a keep-alive TLS agent, as lean as
 * the REST benchmark's fetch, so that the figure is ozg-hub's; `"soap"` drives the `soap`
 * package with the WSDL, whose own CPU cost shares the machine with the server.
 */
export async function benchXta(opts: {
  n: number;
  concurrency: number;
  client?: "raw" | "soap";
}): Promise<{ perSecond: number; p50Ms: number; p99Ms: number }> {
  const prefix = `benchxta${randomBytes(3).toString("hex")}`;
  const db = await createTestDatabase(databaseUrl);
  const configDir = await writeTestConfig(prefix);
  const pki = testPki();
  const cert = pki.client("bench-portal");
  await writeFile(path.join(configDir, "xta-server.key"), pki.server.keyPem);
  await writeFile(path.join(configDir, "xta-server.pem"), pki.server.certPem);
  await writeFile(
    path.join(configDir, "portals/xtaportal.yaml"),
    stringify({ id: "xtaportal", name: "XTA bench portal", channels: ["xta"], xta: { certificateSha256: [cert.sha256], authorIdentifiers: [AUTHOR] } }),
  );
  const port = await freePort();
  const gateway = parse(await readFile(path.join(configDir, "gateway.yaml"), "utf8"));
  gateway.xta = { https: { port, host: "127.0.0.1", keyFile: "xta-server.key", certFile: "xta-server.pem" } };
  await writeFile(path.join(configDir, "gateway.yaml"), stringify(gateway));
  const hub = await spawnHub({ DATABASE_URL: db.url, AMQP_URL: amqpUrl, OZG_HUB_CONFIG: configDir }, undefined, { ready: true });
  const template = await readFile(path.join(REPO, "mappings/xdomea/fixtures/gewerbeanmeldung-kiel-2-4.input.xml"), "utf8");
  const queue = `${prefix}.kiel.dms`;
  const conn = await amqp.connect(amqpUrl);
  try {
    const url = `https://127.0.0.1:${port}/xta/send`;
    const agent = new https.Agent({ keepAlive: true, maxSockets: opts.concurrency, cert: cert.certPem, key: cert.keyPem, ca: pki.caPem });
    const senders: ((messageId: string, bytes: Buffer) => Promise<void>)[] = [];
    for (let i = 0; i < opts.concurrency; i++) {
      if (opts.client === "soap") {
        const client: PortalClient = await portalClient(`https://127.0.0.1:${port}`, pki, cert);
        senders.push(async (messageId, bytes) => {
          await client.sendMessage({ messageId, author: AUTHOR, reader: "ags:01002000", message: { contentType: "application/xml", bytes } });
          client.replies.length = 0;
        });
      } else {
        senders.push((messageId, bytes) => rawSend(url, agent, messageId, bytes));
      }
    }
    const ch = await conn.createChannel();
    await ch.prefetch(1000);
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let expected = 0;
    let done: () => void = () => {};
    await ch.consume(
      queue,
      (msg) => {
        if (!msg) return;
        const id = (JSON.parse(msg.content.toString()) as { data: { sourceId: string } }).data.sourceId;
        const t = sentAt.get(id);
        if (t === undefined) return;
        latencies.push(performance.now() - t);
        sentAt.delete(id);
        if (latencies.length === expected) done();
      },
      { noAck: true },
    );

    const run = async (n: number) => {
      latencies.length = 0;
      expected = n;
      const all = new Promise<void>((r) => (done = r));
      let next = 0;
      const started = performance.now();
      await Promise.all(
        senders.map(async (send) => {
          for (let i = next++; i < n; i = next++) {
            const prozessId = randomUUID();
            const bytes = Buffer.from(template.replace(/<xdomea:ProzessID>[^<]*</, `<xdomea:ProzessID>${prozessId}<`));
            sentAt.set(prozessId, performance.now());
            await send(`urn:de:xta:messageid:bench:${prozessId}`, bytes);
          }
        }),
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        all,
        new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${latencies.length}/${n} arrived`)), 60_000))),
      ]);
      clearTimeout(timer);
      return (performance.now() - started) / 1000;
    };

    await run(Math.min(100, opts.n));
    const seconds = await run(opts.n);
    agent.destroy();
    const sorted = [...latencies].sort((a, b) => a - b);
    return { perSecond: opts.n / seconds, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
  } finally {
    hub.child.kill("SIGTERM");
    await hub.exited;
    await conn.close();
    await removeBrokerNames(amqpUrl, prefix);
    await db.drop();
    await rm(configDir, { recursive: true, force: true });
  }
}

/** One sendMessage as a portal's SOAP stack would put it on the wire: SOAP 1.2, WS-Addressing, MessageMetaData, inline Message. */
function rawSend(url: string, agent: https.Agent, messageId: string, bytes: Buffer): Promise<void> {
  const action = "http://www.xta.de/XTA/SendMessage";
  const body =
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing"><s:Header>` +
    `<wsa:Action>${action}</wsa:Action><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID><wsa:To>${url}</wsa:To>` +
    metaDataXml({ messageId, author: AUTHOR, reader: "ags:01002000" }) +
    `</s:Header><s:Body><xta:GenericContentContainer xmlns:xta="http://xoev.de/transport/xta/211"><xta:ContentContainer>` +
    `<xta:Message contentType="application/xml" filename="xdomea.xml">${bytes.toString("base64")}</xta:Message></xta:ContentContainer></xta:GenericContentContainer></s:Body></s:Envelope>`;
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: "POST", agent, headers: { "content-type": `application/soap+xml; charset=utf-8; action="${action}"` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`sendMessage answered ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 500)}`)),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 1000);
  const concurrency = Number(process.argv[3] ?? 8);
  const client = process.argv[4] === "soap" ? "soap" : "raw";
  const r = await benchXta({ n, concurrency, client });
  console.log(
    `XTA sendMessage (HTTPS, client certificates, ${client} client), n=${n}, concurrency ${concurrency}: ${r.perSecond.toFixed(0)}/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms`,
  );
}
