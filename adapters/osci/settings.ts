import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import forge from "node-forge";
import type { PortalConfig, Runtime, TenantConfig } from "../../gateway/index.ts";
import type { KeystoreConfig } from "./config.ts";
import { messageOf } from "../../gateway/index.ts";
import type { KeyPair } from "./xmlenc.ts";

/** ozg-hub's OSCI identity and everything pinned, loaded once per config (a reload loads anew). */
export interface OsciSettings {
  signing: KeyPair & { pem: string };
  decryption: KeyPair & { pem: string };
  maxMessageBytes: number;
  intermediaries: { id: string; portal: string; certs: X509Certificate[]; cipherCert?: string }[];
  portals: { portal: PortalConfig; certs: X509Certificate[]; cipherCert?: string }[];
  readers: { tenant: TenantConfig; keys: KeyPair[] }[];
}

const cache = new WeakMap<object, OsciSettings | undefined>();

/** The OSCI settings of the running config; undefined while gateway.yaml has no `osci` section. */
export function osciSettings(runtime: Runtime): OsciSettings | undefined {
  const config = runtime.config;
  if (!cache.has(config)) cache.set(config, load(runtime));
  return cache.get(config);
}

function load(runtime: Runtime): OsciSettings | undefined {
  const { gateway, dir } = runtime.config;
  const osci = gateway.osci;
  if (!osci) return undefined;
  const file = (f: string) => readFileSync(path.resolve(dir, f));
  const cert = (f: string) => new X509Certificate(file(f));
  const signing = loadKeystore(osci.signing, file);
  return {
    signing,
    decryption: osci.decryption ? loadKeystore(osci.decryption, file) : signing,
    maxMessageBytes: osci.maxMessageBytes,
    intermediaries: osci.intermediaries.map((i) => ({ id: i.id, portal: i.portal, certs: i.signatureCertFiles.map(cert), cipherCert: i.cipherCertFile ? file(i.cipherCertFile).toString() : undefined })),
    portals: runtime.config.portals
      .filter((p) => p.osci && p.channels.includes("osci"))
      .map((p) => ({ portal: p, certs: p.osci!.signatureCertFiles.map(cert), cipherCert: p.osci!.cipherCertFile ? file(p.osci!.cipherCertFile).toString() : undefined })),
    readers: runtime.config.tenants.filter((t) => t.osci).map((t) => ({ tenant: t, keys: t.osci!.readerKeys.map((k) => loadKeystore(k, file)) })),
  };
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
