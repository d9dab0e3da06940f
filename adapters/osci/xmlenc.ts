/**
 * XML Encryption as OSCI 1.2 uses it, written against Node's crypto: the `xml-encryption`
 * package knows neither xmlenc11 rsa-oaep (MGF1 with SHA-256) nor CipherReference to a MIME
 * part, and both are what OSCI clients send. Profile: AES-256-GCM with a 12-byte IV in front of
 * the ciphertext and the 16-byte tag behind it; the AES key wrapped per recipient with RSA-OAEP,
 * SHA-256 digest and MGF1-SHA256.
 */
import { createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, randomBytes, constants, type KeyObject, X509Certificate } from "node:crypto";
import type { Element } from "@xmldom/xmldom";
import { ALG, NS } from "./ns.ts";
import { child, children, path, pemBase64, text } from "./xml.ts";

const IV = 12;
const TAG = 16;

export function aesGcmEncrypt(key: Buffer, plaintext: Buffer): Buffer {
  const iv = randomBytes(IV);
  const c = createCipheriv("aes-256-gcm", key, iv);
  return Buffer.concat([iv, c.update(plaintext), c.final(), c.getAuthTag()]);
}

export function aesGcmDecrypt(key: Buffer, data: Buffer, ivLength = IV): Buffer | undefined {
  if (key.length !== 32 || data.length < ivLength + TAG) return undefined;
  try {
    const d = createDecipheriv("aes-256-gcm", key, data.subarray(0, ivLength));
    d.setAuthTag(data.subarray(data.length - TAG));
    return Buffer.concat([d.update(data.subarray(ivLength, data.length - TAG)), d.final()]);
  } catch {
    return undefined; // wrong key or changed ciphertext: GCM's tag does not match
  }
}

const oaep = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" } as const;

export interface Encrypted {
  /** The xenc:EncryptedData element. */
  xml: string;
  /** With `cipherPart`: the bytes of that MIME part (IV, ciphertext, tag, raw). */
  part?: Buffer;
}

/**
 * Encrypts for one or more recipient certificates. With `cipherPart` the ciphertext goes to a
 * MIME part referenced by CipherReference (OSCI's transport layer); otherwise inline. Each
 * EncryptedKey names its certificate inline, or as `keyInfo` writes it (e.g. a RetrievalMethod
 * to a certificate in the message header, which the library requires in content packages).
 */
export function encryptData(
  plaintext: Buffer,
  recipients: string[],
  o: { mimeType?: string; cipherPart?: string; id?: string; key?: Buffer; keyInfo?: (pem: string) => string } = {},
): Encrypted {
  const key = o.key ?? randomBytes(32);
  const data = aesGcmEncrypt(key, plaintext);
  const keys = recipients.map((pem) => {
    const wrapped = publicEncrypt({ key: pem, ...oaep }, key).toString("base64");
    return `<xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="${ALG.rsaOaep}"><ds:DigestMethod Algorithm="${ALG.sha256}"/><xenc11:MGF xmlns:xenc11="${NS.xenc11}" Algorithm="${ALG.mgf1sha256}"/></xenc:EncryptionMethod><ds:KeyInfo>${o.keyInfo ? o.keyInfo(pem) : `<ds:X509Data><ds:X509Certificate>${pemBase64(pem)}</ds:X509Certificate></ds:X509Data>`}</ds:KeyInfo><xenc:CipherData><xenc:CipherValue>${wrapped}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey>`;
  });
  const cipherData = o.cipherPart
    ? `<xenc:CipherReference URI="cid:${o.cipherPart}"><xenc:Transforms><ds:Transform Algorithm="${ALG.base64}"/></xenc:Transforms></xenc:CipherReference>`
    : `<xenc:CipherValue>${data.toString("base64")}</xenc:CipherValue>`;
  const attrs = `${o.id ? ` Id="${o.id}"` : ""}${o.mimeType ? ` MimeType="${o.mimeType}"` : ""}`;
  // Without IvLength the library takes a 16-byte IV (its old default) and the GCM check fails.
  const xml = `<xenc:EncryptedData xmlns:xenc="${NS.xenc}" xmlns:ds="${NS.ds}"${attrs}><xenc:EncryptionMethod Algorithm="${ALG.aes256gcm}"><osci128:IvLength xmlns:osci128="${NS.osci128}" Value="${IV}"/></xenc:EncryptionMethod><ds:KeyInfo>${keys.join("")}</ds:KeyInfo><xenc:CipherData>${cipherData}</xenc:CipherData></xenc:EncryptedData>`;
  return o.cipherPart ? { xml, part: data } : { xml };
}

export type Decryption =
  { ok: true; plaintext: Buffer; key: Buffer; by?: KeyPair } | { ok: false; reason: "unsupported" | "no_key" | "failed" | "missing_part"; detail: string };

/** A private key with the certificate it belongs to (to pick the right EncryptedKey). */
export interface KeyPair {
  key: KeyObject;
  cert: X509Certificate;
}

/**
 * Decrypts an xenc:EncryptedData with whichever of `keys` one of its EncryptedKeys was made
 * for. `parts` resolves `cid:` CipherReferences.
 */
export function decryptData<K extends KeyPair>(
  ed: Element,
  keys: K[],
  parts: (cid: string) => Buffer | undefined,
  o: { mgmtData?: boolean } = {},
): Decryption & ({ ok: false } | { by?: K }) {
  const em = child(ed, NS.xenc, "EncryptionMethod");
  const alg = em?.getAttribute("Algorithm");
  if (alg !== ALG.aes256gcm) return unsupported(`content encryption ${alg ?? "(none)"}`);
  // A declared IvLength wins. Without one, the OSCI 1.2 profile's 12 bytes, then 16: the
  // library writes no IvLength for its setIvLength(16) and reads an absent one as 16 itself.
  // Trying both is safe: only the right length passes GCM's tag check.
  const declared = child(em, NS.osci128, "IvLength")?.getAttribute("Value");
  const ivLength = declared ? Number(declared) : IV;
  if (!Number.isInteger(ivLength) || ivLength < 12 || ivLength > 16) return unsupported(`IvLength ${declared}`);
  const cipherData = child(ed, NS.xenc, "CipherData");
  let data: Buffer | undefined;
  const ref = child(cipherData, NS.xenc, "CipherReference")?.getAttribute("URI");
  if (ref) {
    if (!ref.startsWith("cid:")) return { ok: false, reason: "unsupported", detail: `CipherReference ${ref} is not a cid: reference` };
    data = parts(ref.slice(4));
    if (!data) return { ok: false, reason: "missing_part", detail: `MIME part ${ref} is missing` };
    // The reference names a base64 transform, yet OSCI clients send the part as raw binary.
    // Raw AES-GCM output is never all base64 characters, so base64 text is the literal reading.
    if (/^[A-Za-z0-9+/=\r\n]+$/.test(data.toString("latin1"))) data = Buffer.from(data.toString("latin1"), "base64");
  } else {
    const v = text(child(cipherData, NS.xenc, "CipherValue"));
    if (!v) return { ok: false, reason: "failed", detail: "EncryptedData without CipherValue or CipherReference" };
    data = Buffer.from(v, "base64");
  }
  const cipher = data;
  const open = (key: Buffer) => aesGcmDecrypt(key, cipher, ivLength) ?? (declared ? undefined : aesGcmDecrypt(key, cipher, 16));
  const keyInfo = child(ed, NS.ds, "KeyInfo");
  const mgmt = text(child(keyInfo, NS.ds, "MgmtData"));
  if (o.mgmtData && mgmt) {
    // The key itself, as the library writes it for an attachment inside a content container:
    // only ever taken from a container that was itself decrypted with a Reader key.
    const aes = Buffer.from(mgmt.replace(/\s+/g, ""), "base64");
    const plaintext = open(aes);
    return plaintext
      ? { ok: true, plaintext, key: aes }
      : { ok: false, reason: "failed", detail: "the ciphertext does not match its GCM tag (key from MgmtData)" };
  }
  const encryptedKeys = children(keyInfo, NS.xenc, "EncryptedKey");
  // Key transport the profile does not cover, in an EncryptedKey meant for one of our keys.
  let unsupportedFor: string | undefined;
  for (const ek of encryptedKeys) {
    const wrapped = text(path(ek, [NS.xenc, "CipherData"], [NS.xenc, "CipherValue"]));
    if (!wrapped) continue;
    const named = text(path(ek, [NS.ds, "KeyInfo"], [NS.ds, "X509Data"], [NS.ds, "X509Certificate"]))?.replace(/\s+/g, "");
    // The certificate in KeyInfo only says for whom the key was wrapped; trust comes from the
    // decryption succeeding with a key of ours.
    const candidates = named ? keys.filter((k) => k.cert.raw.toString("base64") === named) : keys;
    const transport = keyTransport(child(ek, NS.xenc, "EncryptionMethod"));
    if (transport) {
      if (!named || candidates.length) unsupportedFor ??= transport;
      continue;
    }
    for (const k of candidates.length ? candidates : keys) {
      let aes: Buffer;
      try {
        aes = privateDecrypt({ key: k.key, ...oaep }, Buffer.from(wrapped, "base64"));
      } catch {
        continue;
      }
      const plaintext = open(aes);
      if (plaintext) return { ok: true, plaintext, key: aes, by: k };
      return { ok: false, reason: "failed", detail: "the ciphertext does not match its GCM tag" };
    }
  }
  if (unsupportedFor) return unsupported(unsupportedFor);
  return { ok: false, reason: "no_key", detail: encryptedKeys.length ? "no EncryptedKey for a key of ozg-hub's" : "EncryptedData without EncryptedKey" };
}

/** The algorithms decryptData reads, named in every refusal of another one. */
export const PROFILE = `${ALG.aes256gcm} (IV 12 to 16 bytes); key transport ${ALG.rsaOaep} with digest ${ALG.sha256} and MGF ${ALG.mgf1sha256}`;

function unsupported(what: string): { ok: false; reason: "unsupported"; detail: string } {
  return { ok: false, reason: "unsupported", detail: `algorithm not supported (${what}); supported: ${PROFILE}` };
}

/**
 * What an EncryptedKey's method asks for beyond the profile, or undefined when it is the
 * profile's RSA-OAEP (absent DigestMethod and MGF are taken as the profile's, as OSCI clients
 * write them). Node's RSA-OAEP uses one hash for digest and MGF1, so only SHA-256 with MGF1-SHA256.
 */
function keyTransport(method: Element | undefined): string | undefined {
  const alg = method?.getAttribute("Algorithm");
  if (alg !== ALG.rsaOaep) return `key transport ${alg ?? "(none)"}`;
  const digest = child(method, NS.ds, "DigestMethod")?.getAttribute("Algorithm");
  if (digest !== undefined && digest !== ALG.sha256) return `RSA-OAEP digest ${digest}`;
  const mgf = child(method, NS.xenc11, "MGF")?.getAttribute("Algorithm");
  if (mgf !== undefined && mgf !== ALG.mgf1sha256) return `RSA-OAEP MGF ${mgf}`;
  return undefined;
}
