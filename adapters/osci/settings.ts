import { createHash, createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import forge from "node-forge";
import type { CertificateSource, ConfigProblem, HubConfig, PortalConfig, Prepared, TenantConfig } from "../../gateway/index.ts";
import { messageOf, problemInGateway } from "../../gateway/index.ts";
import type { KeystoreConfig } from "./config.ts";
import { MessageIds } from "./dialogs.ts";
import type { KeyPair } from "./xmlenc.ts";

/** ozg-hub's OSCI identity and everything pinned, read once per config by `prepareOsci`. */
export interface OsciSettings {
  signing: KeyPair & { pem: string };
  decryption: KeyPair & { pem: string };
  maxMessageBytes: number;
  intermediaries: { id: string; portal: string; certs: X509Certificate[]; cipherCert?: string }[];
  portals: { portal: PortalConfig; certs: X509Certificate[]; cipherCert?: string; reply?: ReplyIntermediary }[];
  readers: { tenant: TenantConfig; keys: KeyPair[] }[];
  /** CA certificates an unpinned Author's certificate may chain to (`osci.authorTrustAnchorFiles`). */
  authorAnchors: X509Certificate[];
  /** MessageIds of ozg-hub, derived from the signing key so that every instance with this config agrees. */
  messageIds: MessageIds;
}

/** Where a portal's status replies go as StoreDelivery (its `osci.replyIntermediary`, certificates read). */
export interface ReplyIntermediary {
  url: string;
  cipherCert: string;
  certs: X509Certificate[];
  addresseeCipherCert: string;
  subject: string;
  timeoutMs: number;
}

/**
 * The OSCI adapter's prepare step: reads every key and pinned certificate of the config, so a
 * wrong path or passphrase is a config problem at start or reload, never a failing request.
 * Settings undefined while gateway.yaml has no `osci` section.
 */
export function prepareOsci(config: HubConfig): Prepared<OsciSettings | undefined> {
  const osci = config.gateway.osci;
  if (!osci) return { ok: true, settings: undefined, certificates: certificatesOf(config) };
  const problems: ConfigProblem[] = [];
  const file = (f: string) => readFileSync(path.resolve(config.dir, f));
  /** Runs `read`; a failure becomes a problem at `where` and the value undefined. */
  const attempt = <T>(read: () => T, where: (message: string) => ConfigProblem): T | undefined => {
    try {
      return read();
    } catch (err) {
      problems.push(where(messageOf(err)));
      return undefined;
    }
  };
  const inGateway = (at: (string | number)[]) => (message: string) => problemInGateway(config, at, message);
  const inFile = (f: string, at: string) => (message: string) => ({ file: f, path: at, message });
  const cert = (f: string) => new X509Certificate(file(f));
  const pem = (f: string | undefined) => (f ? file(f).toString() : undefined);

  const signing = attempt(() => loadKeystore(osci.signing, file), inGateway(["osci", "signing"]));
  const decryption = osci.decryption ? attempt(() => loadKeystore(osci.decryption!, file), inGateway(["osci", "decryption"])) : signing;
  const intermediaries = osci.intermediaries.map((i, n) => ({
    id: i.id,
    portal: i.portal,
    certs: i.signatureCertFiles.flatMap((f, k) => attempt(() => cert(f), inGateway(["osci", "intermediaries", n, "signatureCertFiles", k])) ?? []),
    cipherCert: attempt(() => pem(i.cipherCertFile), inGateway(["osci", "intermediaries", n, "cipherCertFile"])),
  }));
  const portals = config.portals
    .filter((p) => p.osci && p.channels.includes("osci"))
    .map((p) => ({
      portal: p,
      certs: p.osci!.signatureCertFiles.flatMap((f, k) => attempt(() => cert(f), inFile(`portals/${p.id}`, `osci.signatureCertFiles[${k}]`)) ?? []),
      cipherCert: attempt(() => pem(p.osci!.cipherCertFile), inFile(`portals/${p.id}`, "osci.cipherCertFile")),
      reply: replyIntermediary(p, pem, cert, attempt, inFile),
    }));
  const readers = config.tenants
    .filter((t) => t.osci)
    .map((t) => ({
      tenant: t,
      keys: t.osci!.readerKeys.flatMap((k, n) => attempt(() => loadKeystore(k, file), inFile(`tenants/${t.id}`, `osci.readerKeys[${n}]`)) ?? []),
    }));
  const authorAnchors = osci.authorTrustAnchorFiles.flatMap((f, k) => attempt(() => cert(f), inGateway(["osci", "authorTrustAnchorFiles", k])) ?? []);
  if (problems.length > 0 || !signing || !decryption) return { ok: false, problems };
  // Derived from ozg-hub's signing key, so every instance with the same config agrees.
  const secret = createHash("sha256")
    .update("ozg-hub osci message ids")
    .update(signing.key.export({ format: "der", type: "pkcs8" }))
    .digest();
  return {
    ok: true,
    settings: {
      signing,
      decryption,
      maxMessageBytes: osci.maxMessageBytes,
      intermediaries,
      portals,
      readers,
      authorAnchors,
      messageIds: new MessageIds(secret),
    },
    certificates: certificatesOf(config),
  };
}

/** Every OSCI certificate file the config names: ozg-hub's keys, pinned Intermediäre, portals and reader keys. */
function certificatesOf(config: HubConfig): CertificateSource[] {
  const out: CertificateSource[] = [];
  const keystore = (use: string, k: KeystoreConfig | undefined) => {
    if (k?.pkcs12File) out.push({ use, file: k.pkcs12File, pkcs12: { passphraseEnv: k.passphraseEnv } });
    else if (k?.certFile) out.push({ use, file: k.certFile });
  };
  const osci = config.gateway.osci;
  keystore("OSCI signing key", osci?.signing);
  keystore("OSCI decryption key", osci?.decryption);
  for (const i of osci?.intermediaries ?? []) {
    for (const f of i.signatureCertFiles) out.push({ use: `OSCI Intermediär ${i.id} signature`, file: f });
    if (i.cipherCertFile) out.push({ use: `OSCI Intermediär ${i.id} cipher`, file: i.cipherCertFile });
  }
  osci?.authorTrustAnchorFiles.forEach((f, n) => out.push({ use: `OSCI Author trust anchor ${n + 1}`, file: f }));
  for (const t of config.tenants) t.osci?.readerKeys.forEach((k, n) => keystore(`OSCI reader key ${n + 1} of tenant ${t.id}`, k));
  for (const p of config.portals) {
    for (const f of p.osci?.signatureCertFiles ?? []) out.push({ use: `OSCI signature of portal ${p.id}`, file: f });
    const r = p.osci?.replyIntermediary;
    for (const f of r?.signatureCertFiles ?? []) out.push({ use: `OSCI reply Intermediär of portal ${p.id} signature`, file: f });
    if (r?.cipherCertFile) out.push({ use: `OSCI reply Intermediär of portal ${p.id} cipher`, file: r.cipherCertFile });
  }
  return out;
}

/** A portal's `osci.replyIntermediary` with its certificates read; problems are recorded by `attempt`. */
function replyIntermediary(
  p: PortalConfig,
  pem: (f: string | undefined) => string | undefined,
  cert: (f: string) => X509Certificate,
  attempt: <T>(read: () => T, where: (message: string) => ConfigProblem) => T | undefined,
  inFile: (f: string, at: string) => (message: string) => ConfigProblem,
): ReplyIntermediary | undefined {
  const r = p.osci?.replyIntermediary;
  if (!r) return undefined;
  const where = (at: string) => inFile(`portals/${p.id}`, `osci.replyIntermediary.${at}`);
  const cipherCert = attempt(() => pem(r.cipherCertFile), where("cipherCertFile"));
  const certs = r.signatureCertFiles.flatMap((f, k) => attempt(() => cert(f), where(`signatureCertFiles[${k}]`)) ?? []);
  const addresseeFile = r.addresseeCipherCertFile ?? p.osci?.cipherCertFile;
  const addresseeCipherCert = addresseeFile
    ? attempt(() => pem(addresseeFile), where(r.addresseeCipherCertFile ? "addresseeCipherCertFile" : "(osci.cipherCertFile)"))
    : attempt(() => {
        throw new Error("the addressee's cipher certificate is needed: set addresseeCipherCertFile or the portal's osci.cipherCertFile");
      }, where("addresseeCipherCertFile"));
  if (!cipherCert || !addresseeCipherCert) return undefined;
  return { url: r.url, cipherCert, certs, addresseeCipherCert, subject: r.subject, timeoutMs: r.timeoutMs };
}

/** A PKCS#12 (passphrase from the environment) or a PEM key and certificate. */
export function loadKeystore(k: KeystoreConfig, file: (f: string) => Buffer): KeyPair & { pem: string } {
  try {
    return readKeystore(k, file);
  } catch (err) {
    throw new Error(`OSCI keystore ${k.pkcs12File ?? k.keyFile}: ${messageOf(err)}`, { cause: err });
  }
}

function readKeystore(k: KeystoreConfig, file: (f: string) => Buffer): KeyPair & { pem: string } {
  const passphrase = k.passphraseEnv ? (process.env[k.passphraseEnv] ?? "") : "";
  if (k.keyFile && k.certFile) {
    const pem = file(k.certFile).toString();
    return { key: createPrivateKey({ key: file(k.keyFile), passphrase }), cert: new X509Certificate(pem), pem };
  }
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(file(k.pkcs12File!).toString("binary")), passphrase);
  const bags = (type: string) => p12.getBags({ bagType: type })[type] ?? [];
  const keyBag = bags(forge.pki.oids.pkcs8ShroudedKeyBag!)[0] ?? bags(forge.pki.oids.keyBag!)[0];
  if (!keyBag?.key) throw new Error(`${k.pkcs12File}: no private key`);
  const key = createPrivateKey(forge.pki.privateKeyToPem(keyBag.key));
  const certs = bags(forge.pki.oids.certBag!).flatMap((b) => (b.cert ? [forge.pki.certificateToPem(b.cert)] : []));
  // The PKCS#12 may carry the CA too: the certificate is the one that belongs to the key.
  const pub = createPrivateKey(forge.pki.privateKeyToPem(keyBag.key));
  const pem = certs.find((c: string) => new X509Certificate(c).checkPrivateKey(pub));
  if (!pem) throw new Error(`${k.pkcs12File}: no certificate for its key`);
  return { key, cert: new X509Certificate(pem), pem };
}

export type { KeyObject };
