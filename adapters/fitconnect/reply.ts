import { randomUUID } from "node:crypto";
import { CompactEncrypt, importJWK, type JWK } from "jose";
import { sha512Hex } from "./crypto.ts";
import { validateMetadata } from "./metadata.ts";

/** The metadata version replies are written in (the version that brought the FIT-Connect reply channel). */
export const REPLY_METADATA_SCHEMA = "https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json";
/** What the reply's data is: ozg-hub's portal status event (schemas/portal-status-event.v1.schema.json). */
export const REPLY_DATA_SCHEMA = "urn:ozg-hub:schema:portal-status-event.v1.schema.json";

/** What ozg-hub stored at intake about a FIT-Connect submission (`$meta.fitconnect`). */
export interface SubmissionRecord {
  submissionId: string;
  caseId: string;
  destinationId: string;
  metadata: Record<string, unknown>;
}

export function submissionRecord(metadata: Record<string, unknown> | null): SubmissionRecord | undefined {
  const fc = metadata?.fitconnect as Partial<SubmissionRecord> | undefined;
  if (!fc || typeof fc.caseId !== "string" || typeof fc.destinationId !== "string" || typeof fc.submissionId !== "string") return undefined;
  return { submissionId: fc.submissionId, caseId: fc.caseId, destinationId: fc.destinationId, metadata: (fc.metadata ?? {}) as Record<string, unknown> };
}

/**
 * The key the sender named for replies: `replyChannel.fitConnect.encryptionPublicKey` of the
 * submission's metadata. It must be a public RSA JWK of at least 4096 bit with a kid, for
 * RSA-OAEP-256 key wrapping, as FIT-Connect prescribes for encryption keys; otherwise the
 * reason is returned (the status is parked for the console). No I/O.
 */
export function replyKey(meta: Record<string, unknown>): { ok: true; jwk: JWK & { kid: string } } | { ok: false; reason: string } {
  const channel = meta.replyChannel as Record<string, unknown> | undefined;
  const fc = channel?.fitConnect as { encryptionPublicKey?: JWK } | undefined;
  if (!fc) {
    const named = channel ? Object.keys(channel).join(", ") : "none";
    return { ok: false, reason: `the sender chose no FIT-Connect reply channel (replyChannel: ${named})` };
  }
  const k = fc.encryptionPublicKey;
  if (!k || typeof k !== "object") return { ok: false, reason: "replyChannel.fitConnect carries no encryptionPublicKey" };
  if (k.kty !== "RSA" || typeof k.n !== "string" || typeof k.e !== "string") return { ok: false, reason: "the reply key is not an RSA public key" };
  if (typeof k.kid !== "string" || !k.kid) return { ok: false, reason: "the reply key has no kid" };
  const bits = Buffer.from(k.n, "base64url").byteLength * 8;
  if (bits < 4096) return { ok: false, reason: `the reply key has ${bits} bit, FIT-Connect requires at least 4096` };
  if (k.alg !== undefined && k.alg !== "RSA-OAEP-256") return { ok: false, reason: `the reply key is for ${k.alg}, not RSA-OAEP-256` };
  if (k.key_ops !== undefined && !k.key_ops.includes("wrapKey")) return { ok: false, reason: 'the reply key\'s key_ops lack "wrapKey"' };
  // Only the public members go on: a private part sent by mistake is never used.
  return { ok: true, jwk: { kty: "RSA", n: k.n, e: k.e, kid: k.kid } };
}

export interface ReplyContent {
  /** The portal status event as JSON; a Bescheid travels as an attachment and is referenced by id. */
  data: Uint8Array;
  attachments: { attachmentId: string; bytes: Uint8Array; filename: string; mimeType: string; description: string }[];
  metadata: Uint8Array;
}

/**
 * The reply for one portal status event: the event itself as the data (the Bescheid's bytes
 * taken out of it and sent as an attachment, referenced by its id), and FIT-Connect metadata
 * (2.1.0) that declares both with their sha512 hashes. `attachmentIds` are reused on a retry so
 * the parts announced at creation stay the same.
 */
export function replyContent(payload: Record<string, unknown>, submission: SubmissionRecord, attachmentIds?: string[]): ReplyContent {
  const event = structuredClone(payload) as { data?: Record<string, unknown> };
  const attachments: ReplyContent["attachments"] = [];
  const doc = event.data?.document as { name: string; contentType: string; content: string } | undefined;
  if (doc && event.data) {
    const attachmentId = attachmentIds?.[0] ?? randomUUID();
    const bytes = Buffer.from(doc.content, "base64");
    attachments.push({ attachmentId, bytes, filename: doc.name, mimeType: doc.contentType, description: "Bescheid" });
    const { content: _content, ...described } = doc;
    event.data.document = { ...described, attachmentId };
  }
  const data = Buffer.from(JSON.stringify(event));
  const service = submission.metadata.publicServiceType;
  const reference = (event.data?.caseReference as string | undefined) ?? undefined;
  const metadata = {
    $schema: REPLY_METADATA_SCHEMA,
    contentStructure: {
      data: { hash: { type: "sha512", content: sha512Hex(data) }, submissionSchema: { schemaUri: REPLY_DATA_SCHEMA, mimeType: "application/json" } },
      attachments: attachments.map((a) => ({
        attachmentId: a.attachmentId,
        hash: { type: "sha512", content: sha512Hex(a.bytes) },
        purpose: "attachment",
        mimeType: a.mimeType,
        filename: a.filename,
        description: a.description,
      })),
    },
    ...(service ? { publicServiceType: service } : {}),
    ...(reference ? { additionalReferenceInfo: { senderReference: reference } } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(metadata));
  // What we send must pass the check we apply to what we receive.
  const valid = validateMetadata(bytes);
  if (!valid.ok) throw new Error(`reply metadata does not validate: ${valid.problem.detail}`);
  return { data, attachments, metadata: bytes };
}

/** Encrypts one part for the sender's reply key: compact JWE, RSA-OAEP-256 + A256GCM, with the key's kid. */
export async function encryptFor(jwk: JWK & { kid: string }, bytes: Uint8Array): Promise<string> {
  // WebCrypto checks key_ops against the usage, so the import names both that RSA-OAEP allows.
  const key = await importJWK({ ...jwk, key_ops: ["wrapKey", "encrypt"] }, "RSA-OAEP-256");
  return new CompactEncrypt(bytes).setProtectedHeader({ alg: "RSA-OAEP-256", enc: "A256GCM", kid: jwk.kid, cty: "application/octet-stream" }).encrypt(key);
}
