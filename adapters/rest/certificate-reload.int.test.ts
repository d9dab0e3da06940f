import { rm, writeFile } from "node:fs/promises";
import https from "node:https";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { antragBody, ozgCloudForm } from "../../test/support/forms.ts";
import { editYaml, type TestHub } from "../../test/support/hub.ts";
import { startRestHttpsHub } from "../../test/support/https-hub.ts";
import { testPki, type Issued, type TestPki } from "../../test/support/pki.ts";

const fingerprintOf = (cert: Issued) => cert.sha256.match(/../g)!.join(":").toUpperCase();

/** The server certificate a TLS socket was given, as node prints fingerprints. */
const peerOf = (socket: unknown) => (socket as TLSSocket).getPeerCertificate().fingerprint256;

interface Answer {
  status: number;
  server: string;
  socket: TLSSocket;
}

/**
 * One request over TLS with the portal's certificate. `body` chunks are written one by one,
 * each after `between(i)` resolves, so that a request can be held open across a reload.
 */
function request(
  url: string,
  pki: TestPki,
  o: { cert: Issued; agent?: https.Agent; method?: string; contentType?: string; body?: Buffer[]; between?: (i: number) => Promise<void> },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: o.method ?? "GET",
        ca: pki.caPem,
        cert: o.cert.certPem,
        key: o.cert.keyPem,
        agent: o.agent ?? false,
        headers: o.contentType ? { "content-type": o.contentType } : {},
      },
      (res) => {
        // Read at the head: a kept-alive socket goes back to its agent at the end of the body.
        const socket = res.socket as TLSSocket;
        const server = peerOf(socket);
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, server, socket }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    void (async () => {
      for (const [i, chunk] of (o.body ?? []).entries()) {
        await o.between?.(i);
        req.write(chunk);
      }
      req.end();
    })().catch(reject);
  });
}

/**
 * The REST adapter's own HTTPS listener (gateway.yaml `rest.https`) takes a renewed server
 * certificate by config reload, without a restart: connections open at the reload finish with
 * the old certificate, new connections get the new one, and no request is refused. A reload
 * with a certificate that does not fit its key is refused and the listener keeps the one it has.
 */
describe("REST HTTPS listener: certificates follow a config reload", () => {
  let pki: TestPki;
  let hub: TestHub;
  let dir: string;
  let url: string;
  let portal: Issued;
  let renewed: Issued;

  const install = async (server: Issued) => {
    await writeFile(path.join(dir, "server.key"), server.keyPem);
    await writeFile(path.join(dir, "server.pem"), server.certPem);
  };

  beforeAll(async () => {
    pki = testPki();
    portal = pki.client("formsolutions-antrag");
    renewed = pki.renewedServer();
    ({ hub, url, dir } = await startRestHttpsHub(pki));
    await editYaml(path.join(hub.configDir, "portals/formsolutions.yaml"), (p) => (p.rest = { certificateSha256: [portal.sha256] }));
    expect(await hub.services.reload()).toEqual({ ok: true });
  });
  afterAll(async () => {
    await hub?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("finishes open connections with the old certificate, gives new ones the new, refuses nothing", async () => {
    const keepAlive = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await request(`${url}/api/v1/openapi.json`, pki, { cert: portal, agent: keepAlive });
    expect(first).toMatchObject({ status: 200, server: fingerprintOf(pki.server) });

    // A delivery in flight: half its body before the reload, the rest after.
    const pdf = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(50_000, 7)]);
    const form = new Request("http://portal.invalid/antrag", {
      method: "POST",
      body: antragBody(ozgCloudForm({ transactionId: "tx-reload-1" }), [{ part: "representation", name: "Antrag.pdf", type: "application/pdf", content: pdf }]),
    });
    const body = Buffer.from(await form.arrayBuffer());
    let reloaded: Promise<unknown> | undefined;
    const during: Promise<Answer>[] = [];
    const inFlight = request(`${url}/antrag`, pki, {
      cert: portal,
      method: "POST",
      contentType: form.headers.get("content-type")!,
      body: [body.subarray(0, body.length / 2), body.subarray(body.length / 2)],
      between: async (i) => {
        if (i !== 1) return;
        await install(renewed);
        // Requests on fresh connections keep arriving while the reload runs.
        for (let n = 0; n < 8; n++) during.push(request(`${url}/api/v1/openapi.json`, pki, { cert: portal }));
        reloaded = hub.services.reload();
        expect(await reloaded).toEqual({ ok: true });
      },
    });
    const delivered = await inFlight;
    expect(delivered.status).toBe(202);
    expect(delivered.server).toBe(fingerprintOf(pki.server));

    const answers = await Promise.all(during);
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    for (const a of answers) expect([fingerprintOf(pki.server), fingerprintOf(renewed)]).toContain(a.server);

    // The connection opened before the reload is still served, still with the old certificate.
    const again = await request(`${url}/api/v1/openapi.json`, pki, { cert: portal, agent: keepAlive });
    expect(again.socket).toBe(first.socket);
    expect(again).toMatchObject({ status: 200, server: fingerprintOf(pki.server) });
    keepAlive.destroy();

    const fresh = await request(`${url}/api/v1/openapi.json`, pki, { cert: portal });
    expect(fresh).toMatchObject({ status: 200, server: fingerprintOf(renewed) });
  });

  it("refuses a reload whose certificate does not fit its key, with file, line and path, and keeps serving the one it has", async () => {
    const before = await request(`${url}/api/v1/openapi.json`, pki, { cert: portal });
    const other = pki.renewedServer();
    await writeFile(path.join(dir, "server.pem"), other.certPem); // the key file stays the current one
    const result = await hub.services.reload();
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "rest.https.certFile", message: expect.stringMatching(/^unusable key or certificate: /) });
    expect(problems[0]!.file).toMatch(/gateway\.yaml$/);
    expect(problems[0]!.line).toBeGreaterThan(0);
    expect(hub.services.lastReloadError()).toEqual(problems);

    const after = await request(`${url}/api/v1/openapi.json`, pki, { cert: portal });
    expect(after).toMatchObject({ status: 200, server: before.server });
  });
});
