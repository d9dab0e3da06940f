import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestHub, type TestHub } from "./hub.ts";
import type { TestPki } from "./pki.ts";
import { freePort } from "./process.ts";

/**
 * A test hub whose REST intake also listens on HTTPS of its own (gateway.yaml `rest.https`) on
 * a free port, with the test PKI's server certificate and CA written to a fresh `dir` as
 * `server.key`, `server.pem` and `ca.pem` (a test may write other certificates there later).
 */
export async function startRestHttpsHub(pki: TestPki): Promise<{ hub: TestHub; url: string; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-rest-tls-"));
  await writeFile(path.join(dir, "server.key"), pki.server.keyPem);
  await writeFile(path.join(dir, "server.pem"), pki.server.certPem);
  await writeFile(path.join(dir, "ca.pem"), pki.caPem);
  const port = await freePort();
  const file = (name: string) => path.join(dir, name);
  const hub = await startTestHub({
    gateway: { rest: { https: { port, host: "127.0.0.1", keyFile: file("server.key"), certFile: file("server.pem"), caFile: file("ca.pem") } } },
  });
  return { hub, url: `https://127.0.0.1:${port}`, dir };
}
