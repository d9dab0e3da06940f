import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { portalClient, type PortalClient } from "../../adapters/xta/fixtures/portal-client.ts";
import { PORTAL_AUTHOR, startXtaHub, type XtaHub } from "../../adapters/xta/fixtures/xta-hub.ts";
import { REPO } from "../support/hub.ts";
import { testPki, type TestPki } from "../support/pki.ts";
import { startCaseSystem, type CaseSystem } from "./support.ts";

const abmeldung = readFileSync(path.join(REPO, "mappings/xdomea/fixtures/minimal-transport-reader.input.xml"));

export interface XtaWayBack {
  xta: XtaHub;
  /** The portal's `soap` client (official WSDL, its own TLS client certificate). */
  portal: PortalClient;
  dms: CaseSystem;
}

/**
 * The start of both XTA way-back tests, for the tests of one describe block: an XTA hub that
 * knows the portal's certificate, the example Fachverfahren answering on it, and one Abmeldung
 * the portal sent under `sent`. `configure` runs after the hub started and before the portal's
 * first request (e.g. to give the portal a reply server); `stop` runs after the Fachverfahren
 * stopped and before the hub does.
 */
export function xtaWayBackPerSuite(sent: string, o: { configure?: (xta: XtaHub, pki: TestPki) => Promise<void>; stop?: () => Promise<void> } = {}): XtaWayBack {
  const suite = {} as XtaWayBack;
  beforeAll(async () => {
    const pki = testPki();
    const cert = pki.client("formsolutions-xta");
    suite.xta = await startXtaHub(pki, { portal: cert });
    await o.configure?.(suite.xta, pki);
    suite.portal = await portalClient(suite.xta.url, pki, cert);
    suite.dms = await startCaseSystem(suite.xta.hub);
    await suite.portal.sendMessage({
      messageId: sent,
      author: PORTAL_AUTHOR,
      reader: "ags:01002000",
      message: { contentType: "application/xml", bytes: abmeldung },
    });
  });
  afterAll(async () => {
    await suite.dms?.stop();
    await o.stop?.();
    await suite.xta?.stop();
  });
  return suite;
}
