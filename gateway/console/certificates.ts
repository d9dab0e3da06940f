import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import forge from "node-forge";
import type { HubConfig } from "../config/load.ts";
import type { KeystoreConfig } from "../config/fields.ts";
import { messageOf } from "../errors.ts";

/** One configured certificate and how long it has left; `error` when it cannot be read. */
export interface CertificateExpiry {
  use: string;
  file: string;
  subject?: string;
  notAfter?: Date;
  daysLeft?: number;
  error?: string;
}

interface Source {
  use: string;
  file: string;
  pkcs12?: { passphraseEnv?: string };
}

/** Every certificate file the config names: XTA (TLS listener, client accounts), OSCI keys and pinned peers. */
function sources(config: HubConfig): Source[] {
  const out: Source[] = [];
  const keystore = (use: string, k: KeystoreConfig | undefined) => {
    if (k?.pkcs12File) out.push({ use, file: k.pkcs12File, pkcs12: { passphraseEnv: k.passphraseEnv } });
    else if (k?.certFile) out.push({ use, file: k.certFile });
  };
  const g = config.gateway;
  if (g.xta?.https) out.push({ use: "TLS: XTA HTTPS listener", file: g.xta.https.certFile });
  for (const a of g.xta?.accounts ?? []) out.push({ use: `XTA client account ${a.id}`, file: a.pkcs12File, pkcs12: { passphraseEnv: a.pkcs12PassphraseEnv } });
  keystore("OSCI signing key", g.osci?.signing);
  keystore("OSCI decryption key", g.osci?.decryption);
  for (const i of g.osci?.intermediaries ?? []) {
    for (const f of i.signatureCertFiles) out.push({ use: `OSCI Intermediär ${i.id} signature`, file: f });
    if (i.cipherCertFile) out.push({ use: `OSCI Intermediär ${i.id} cipher`, file: i.cipherCertFile });
  }
  for (const t of config.tenants) t.osci?.readerKeys.forEach((k, n) => keystore(`OSCI reader key ${n + 1} of tenant ${t.id}`, k));
  for (const p of config.portals) for (const f of p.osci?.signatureCertFiles ?? []) out.push({ use: `OSCI signature of portal ${p.id}`, file: f });
  return out;
}

function fromPkcs12(der: Buffer, passphrase: string): X509Certificate {
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der.toString("binary")), passphrase);
  // The certificate that belongs to the key comes with a localKeyId; CA certificates do not.
  const certBag = forge.pki.oids.certBag!;
  const bags: forge.pkcs12.Bag[] = p12.getBags({ bagType: certBag })[certBag] ?? [];
  const own = bags.find((b) => b.attributes.localKeyId) ?? bags[0];
  if (!own?.cert) throw new Error("no certificate in the PKCS#12 file");
  return new X509Certificate(forge.pki.certificateToPem(own.cert));
}

/**
 * Days until each configured certificate expires, soonest first. Reads the files on every call
 * (the overview page), so a renewed certificate shows at once.
 */
export async function certificateExpiries(config: HubConfig, now: Date, env: NodeJS.ProcessEnv = process.env): Promise<CertificateExpiry[]> {
  const out = await Promise.all(
    sources(config).map(async (s): Promise<CertificateExpiry> => {
      try {
        const bytes = await readFile(path.resolve(config.dir, s.file));
        const cert = s.pkcs12 ? fromPkcs12(bytes, (s.pkcs12.passphraseEnv && env[s.pkcs12.passphraseEnv]) || "") : new X509Certificate(bytes);
        const notAfter = new Date(cert.validTo);
        return {
          use: s.use,
          file: s.file,
          subject: cert.subject.replace(/\n/g, ", "),
          notAfter,
          daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000),
        };
      } catch (err) {
        return { use: s.use, file: s.file, error: messageOf(err) };
      }
    }),
  );
  return out.sort((a, b) => (a.daysLeft ?? -Infinity) - (b.daysLeft ?? -Infinity));
}
