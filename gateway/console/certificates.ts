import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import forge from "node-forge";
import type { CertificateSource } from "../contract.ts";
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
 * Days until each certificate expires, soonest first: the files the adapters' prepare steps
 * report for the config in force (`Prepared.certificates`). Reads the files on every call (the
 * overview page), so a renewed certificate shows at once.
 */
export async function certificateExpiries(
  sources: readonly CertificateSource[],
  dir: string,
  now: Date,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CertificateExpiry[]> {
  const out = await Promise.all(
    sources.map(async (s): Promise<CertificateExpiry> => {
      try {
        const bytes = await readFile(path.resolve(dir, s.file));
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
