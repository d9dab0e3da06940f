import { createHmac } from "node:crypto";

/** Largest difference between `webhook-timestamp` and the receiver's clock that receivers should accept. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** The key bytes of a Standard Webhooks secret (`whsec_<base64>`; a bare base64 secret is taken as is). */
export function secretKey(secret: string): Buffer {
  const b64 = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  const key = Buffer.from(b64, "base64");
  if (key.byteLength < 16) throw new Error("webhook secret must be whsec_ followed by at least 16 bytes in base64");
  return key;
}

/**
 * The headers of a signed webhook request per the Standard Webhooks convention: HMAC-SHA-256
 * over `<webhook-id>.<webhook-timestamp>.<body>`, base64, as `v1,<signature>`. The body must be
 * sent byte for byte as signed.
 *
 * @example
 * const headers = webhookHeaders({ id: "0b6f…", timestamp: new Date(), body, secret: "whsec_…" });
 */
export function webhookHeaders(a: { id: string; timestamp: Date; body: string; secret: string }): Record<string, string> {
  const ts = Math.floor(a.timestamp.getTime() / 1000).toString();
  const sig = createHmac("sha256", secretKey(a.secret)).update(`${a.id}.${ts}.${a.body}`).digest("base64");
  return { "webhook-id": a.id, "webhook-timestamp": ts, "webhook-signature": `v1,${sig}` };
}
