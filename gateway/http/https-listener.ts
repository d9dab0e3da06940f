import { readFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import { createAdaptorServer } from "@hono/node-server";
import type { Hono } from "hono";
import { problemInGateway, type ConfigProblem, type HubConfig } from "../config/load.ts";
import type { Prepared } from "../contract.ts";
import { messageOf } from "../errors.ts";

/** Where and with which server certificate a listener serves HTTPS (an adapter's `https` section). */
export interface HttpsSettings {
  port: number;
  host: string;
  keyFile: string;
  certFile: string;
  caFile?: string;
}

/** A listener's address and its server certificate, read and checked (see `prepareHttps`). */
export interface PreparedHttps {
  port: number;
  host: string;
  tls: SecureContextOptions;
}

/** A running HTTPS listener. */
export interface HttpsListener {
  port: number;
  /** The address it was started with: a reload may swap certificates, not the address. */
  address: { port: number; host: string };
  /** Serves new connections with another certificate; connections already open keep theirs. */
  setSecureContext(tls: SecureContextOptions): void;
  close(): Promise<void>;
}

/**
 * Reads the key, certificate and CA files of an HTTPS section and builds a TLS context from
 * them once, so that a missing file, a key that does not belong to the certificate or a broken
 * PEM is a config problem (file, line, path) before anything listens. `at` is the section's
 * path in gateway.yaml, e.g. `["rest", "https"]`. Files are relative to the config directory.
 */
export function prepareHttps(config: HubConfig, at: readonly string[], s: HttpsSettings): Prepared<PreparedHttps> {
  const problems: ConfigProblem[] = [];
  const read = (key: "keyFile" | "certFile" | "caFile") => {
    const f = s[key];
    if (f === undefined) return undefined;
    try {
      return readFileSync(path.resolve(config.dir, f));
    } catch (err) {
      problems.push(problemInGateway(config, [...at, key], `cannot read ${f}: ${messageOf(err)}`));
      return undefined;
    }
  };
  const tls: SecureContextOptions = { key: read("keyFile"), cert: read("certFile"), ...(s.caFile ? { ca: read("caFile") } : {}) };
  if (problems.length > 0) return { ok: false, problems };
  try {
    createSecureContext(tls);
  } catch (err) {
    return { ok: false, problems: [problemInGateway(config, [...at, "certFile"], `unusable key or certificate: ${messageOf(err)}`)] };
  }
  return { ok: true, settings: { port: s.port, host: s.host, tls } };
}

/**
 * An adapter's routes on an HTTPS listener of their own, asking every client for its
 * certificate. The handshake never fails for an unknown or untrusted certificate
 * (`rejectUnauthorized: false`): callers are pinned by fingerprint, and a stranger gets the
 * protocol's own refusal (e.g. a 401 problem) rather than a broken connection it
 * cannot interpret.
 */
export async function listenHttps(routes: Hono, s: PreparedHttps): Promise<HttpsListener> {
  const server = createAdaptorServer({
    fetch: routes.fetch,
    createServer: https.createServer,
    serverOptions: { ...s.tls, requestCert: true, rejectUnauthorized: false },
  }) as https.Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(s.port, s.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : s.port,
    address: { port: s.port, host: s.host },
    setSecureContext: (tls) => server.setSecureContext({ ...tls }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
