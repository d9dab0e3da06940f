import { readFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import type { Hono } from "hono";

/** Where and with which server certificate a listener serves HTTPS (`xta.https`, `rest.https`). */
export interface HttpsSettings {
  port: number;
  host: string;
  keyFile: string;
  certFile: string;
  caFile?: string;
}

/**
 * An adapter's routes on an HTTPS listener of their own, asking every client for its
 * certificate. The handshake never fails for an unknown or untrusted certificate
 * (`rejectUnauthorized: false`): callers are pinned by fingerprint, and a stranger gets the
 * protocol's own refusal (XTA fault 9012, a 401 problem) rather than a broken connection it
 * cannot interpret. Files are relative to the config directory.
 */
export async function listenHttps(routes: Hono, s: HttpsSettings, configDir: string): Promise<{ port: number; close(): Promise<void> }> {
  const read = (f: string) => readFileSync(path.resolve(configDir, f));
  const server = createAdaptorServer({
    fetch: routes.fetch,
    createServer: https.createServer,
    serverOptions: { key: read(s.keyFile), cert: read(s.certFile), ...(s.caFile ? { ca: read(s.caFile) } : {}), requestCert: true, rejectUnauthorized: false },
  }) as https.Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(s.port, s.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : s.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
