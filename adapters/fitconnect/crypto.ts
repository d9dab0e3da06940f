import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { compactDecrypt, decodeProtectedHeader, errors, type CryptoKey } from "jose";

/** One of a destination's decryption keys: the current one first, then earlier ones still held. */
export interface DecryptionKey {
  kid: string;
  /** RFC 7638 thumbprint (SHA-256, base64url) of the public key: some senders write it as `kid`. */
  thumbprint: string;
  key: CryptoKey;
}

export type Decrypted =
  | { ok: true; bytes: Uint8Array; tag: string; /** The key's kid when the JWE named it by its thumbprint. */ byThumbprint?: string }
  | { ok: false; detail: string; /** Set when the plaintext inflates beyond `maxBytes`. */ tooLarge?: number };

/**
 * Decrypts one FIT-Connect JWE (compact serialisation). Only RSA-OAEP-256 with A256GCM is
 * accepted, and only for a key of the destination: named by its kid or, as the public Python SDK
 * writes it, by its RFC 7638 thumbprint. Anything else is an encryption issue that the submission
 * is rejected for. A compressed (`zip: DEF`) plaintext is inflated up to `maxBytes` only, so a
 * small JWE cannot inflate beyond the configured size limit (jose stops reading at the limit).
 */
export async function decryptJwe(jwe: string, keys: readonly DecryptionKey[], maxBytes: number): Promise<Decrypted> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jwe.trim());
  } catch {
    return { ok: false, detail: "not a JWE in compact serialisation" };
  }
  if (header.alg !== "RSA-OAEP-256" || header.enc !== "A256GCM")
    return { ok: false, detail: `unsupported algorithms alg=${String(header.alg)} enc=${String(header.enc)}` };
  const byKid = keys.find((k) => k.kid === header.kid);
  const byThumbprint = byKid ? undefined : keys.find((k) => k.thumbprint === header.kid);
  const chosen = byKid ?? byThumbprint;
  if (!chosen)
    return {
      ok: false,
      detail: `encrypted for key ${String(header.kid)}, which is neither the kid nor the RFC 7638 thumbprint of a key of this destination (${keys.map((k) => k.kid).join(", ")})`,
    };
  try {
    const { plaintext } = await compactDecrypt(jwe.trim(), chosen.key, {
      keyManagementAlgorithms: ["RSA-OAEP-256"],
      contentEncryptionAlgorithms: ["A256GCM"],
      maxDecompressedLength: maxBytes,
    });
    return { ok: true, bytes: plaintext, tag: authenticationTag(jwe), ...(byThumbprint ? { byThumbprint: byThumbprint.kid } : {}) };
  } catch (err) {
    // jose reports inflating past maxDecompressedLength as a JWEInvalid naming the exceeded limit.
    if (err instanceof errors.JWEInvalid && header.zip === "DEF" && /exceeded/.test(err.message))
      return { ok: false, detail: `the compressed plaintext inflates beyond ${maxBytes} bytes`, tooLarge: maxBytes };
    return { ok: false, detail: `decryption failed: ${(err as Error).message}` };
  }
}

/** The last part of a compact JWE: the accept event names these to pin what was received. */
export function authenticationTag(jwe: string): string {
  return jwe.trim().split(".")[4] ?? "";
}

export function sha512Hex(bytes: Uint8Array): string {
  return createHash("sha512").update(bytes).digest("hex");
}

/** Compares two hex digests in constant time (a malformed one never matches). */
export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), "utf8");
  const y = Buffer.from(b.toLowerCase(), "utf8");
  return x.byteLength === y.byteLength && timingSafeEqual(x, y);
}

/**
 * Checks a callback's `callback-authentication`: hex HMAC-SHA-512 with the destination's
 * callback secret over `<callback-timestamp>.<body>`, compared in constant time; a timestamp
 * more than five minutes away from `now` is refused whatever its HMAC.
 */
export function verifyCallback(args: {
  secret: string;
  timestamp: string | undefined;
  authentication: string | undefined;
  body: Uint8Array;
  now: Date;
}): { ok: true } | { ok: false; reason: "missing" | "stale" | "mismatch" } {
  const { timestamp, authentication } = args;
  if (!timestamp || !authentication || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "missing" };
  if (Math.abs(args.now.getTime() / 1000 - Number(timestamp)) > 300) return { ok: false, reason: "stale" };
  const expected = createHmac("sha512", args.secret).update(`${timestamp}.`).update(args.body).digest();
  let given: Buffer;
  try {
    given = Buffer.from(authentication, "hex");
  } catch {
    return { ok: false, reason: "mismatch" };
  }
  return given.byteLength === expected.byteLength && timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: "mismatch" };
}
