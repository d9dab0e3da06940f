import type { X509Certificate } from "node:crypto";
import type { ContentSignature } from "../../gateway/index.ts";

/**
 * How far ozg-hub trusts the Author of a content container whose signature verified:
 * - `pinned`: a certificate a portal's config pins;
 * - `trusted`: issued (directly or through other configured anchors) by one of
 *   `osci.authorTrustAnchorFiles`, every certificate on the way valid now;
 * - `untrusted`: anyone else. Behind an Intermediär the Originator can be any portal, so an
 *   untrusted signer is recorded, not refused: a signature never makes a delivery less acceptable
 *   than none, unless a tenant or portal sets `requireTrustedAuthor`.
 */
export type AuthorSignature = ContentSignature & { role: "author" };

const validAt = (c: X509Certificate, now: Date) => now >= new Date(c.validFrom) && now <= new Date(c.validTo);

/** Whether `anchor` issued `cert` and signed it. */
const issuedBy = (cert: X509Certificate, anchor: X509Certificate) => cert.checkIssued(anchor) && cert.verify(anchor.publicKey);

/** Judges one verified Author certificate against the pinned certificates and the anchors, at `now`. */
export function judgeAuthor(signer: X509Certificate, pinned: boolean, anchors: X509Certificate[], now: Date): AuthorSignature {
  const who = { role: "author" as const, subject: signer.subject, issuer: signer.issuer, serial: signer.serialNumber };
  if (pinned) return { ...who, trust: "pinned", detail: "signed by a certificate a portal pins" };
  if (!validAt(signer, now)) return { ...who, trust: "untrusted", detail: `the signing certificate is valid from ${signer.validFrom} to ${signer.validTo}` };
  // Up the chain through the anchors (a configured intermediate CA counts), at most 5 steps.
  let cur = signer;
  for (let depth = 0; depth < 5; depth++) {
    const up = anchors.find((a) => a !== cur && issuedBy(cur, a) && validAt(a, now));
    if (!up) break;
    if (up.ca || up.checkIssued(up)) return { ...who, trust: "trusted", detail: `chains to the trust anchor ${up.subject.replace(/\n/g, ", ")}` };
    cur = up;
  }
  return {
    ...who,
    trust: "untrusted",
    detail: anchors.length ? "not pinned, and no configured trust anchor issued the signing certificate" : "not pinned, and no trust anchors are configured",
  };
}
