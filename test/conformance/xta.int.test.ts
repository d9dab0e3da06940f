import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { expect } from "vitest";
import { serveHttps } from "../../adapters/xta/fixtures/https.ts";
import { testPki, type Issued, type TestPki } from "../support/pki.ts";
import { faultOf, portalClient, type PortalClient } from "../../adapters/xta/fixtures/portal-client.ts";
import { REPO } from "../support/hub.ts";
import { conformance } from "./suite.ts";

const AUTHOR = "psw:formsolutions";
const xdomea = readFileSync(path.join(REPO, "mappings/xdomea/fixtures/gewerbeanmeldung-kiel-2-4.input.xml"), "utf8");

let pki: TestPki;
let cert: Issued;
let server: { url: string; close(): Promise<void> } | undefined;
let portal: PortalClient;

/** A Kiel Gewerbeanmeldung in xdomea whose ProzessID (the application's sourceId) is `id`. */
const message = (id: string) => Buffer.from(xdomea.replace(/<xdomea:ProzessID>[^<]*</, `<xdomea:ProzessID>${id}<`));

conformance({
  name: "XTA sendMessage (HTTPS, client certificates, soap client with the official WSDL)",
  async setUp(hub) {
    pki = testPki();
    cert = pki.client("conformance-portal");
    await writeFile(
      path.join(hub.configDir, "portals/xtaportal.yaml"),
      stringify({ id: "xtaportal", name: "XTA portal", channels: ["xta"], xta: { certificateSha256: [cert.sha256], authorIdentifiers: [AUTHOR] } }),
    );
    expect(await hub.services.reload()).toEqual({ ok: true });
    // Through hub.app at each request: a restart of the hub replaces it.
    server = await serveHttps({ fetch: (req, env) => hub.app.fetch(req, env) }, pki);
    portal = await portalClient(server.url, pki, cert);
  },
  async tearDown() {
    await server?.close();
  },
  async send(_hub, id) {
    const messageId = `urn:de:xta:messageid:conformance:${id}`;
    try {
      await portal.sendMessage({ messageId, author: AUTHOR, reader: "ags:01002000", message: { contentType: "application/xml", bytes: message(id) } });
      return { kind: "accepted", receipt: messageId };
    } catch (err) {
      const f = faultOf(err);
      expect(f).toMatchObject({ status: 400, exception: "ParameterIsNotValidException", code: "9024" });
      return { kind: "duplicate", receipt: messageId };
    }
  },
  async sendBad() {
    const err = await portal
      .sendMessage({
        messageId: `urn:de:xta:messageid:conformance:${randomUUID()}`,
        author: AUTHOR,
        reader: "ags:01002000",
        message: { contentType: "application/xml", bytes: Buffer.from("<Geschaeftsgang") },
      })
      .catch((e: unknown) => e);
    const f = faultOf(err);
    expect(f).toMatchObject({ status: 400, exception: "MessageSchemaViolationException", code: "9050" });
    return { kind: "refused", detail: f.code! };
  },
  async sendUnauthenticated() {
    const stranger = await portalClient(server!.url, pki, pki.client("stranger"));
    const err = await stranger
      .sendMessage({
        messageId: `urn:de:xta:messageid:conformance:${randomUUID()}`,
        author: AUTHOR,
        reader: "ags:01002000",
        message: { contentType: "application/xml", bytes: message("intruder") },
      })
      .catch((e: unknown) => e);
    const f = faultOf(err);
    expect(f).toMatchObject({ status: 400, exception: "PermissionDeniedException", code: "9012" });
    return { kind: "refused", detail: f.code! };
  },
  idOf: (event) => event.data.sourceId,
});
