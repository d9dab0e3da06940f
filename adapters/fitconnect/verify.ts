import type { FitConnectClient, Submission } from "./client.ts";
import type { Destination } from "./config.ts";
import { decryptJwe, sameHex, sha512Hex, type Decrypted } from "./crypto.ts";
import type { AuthenticationTags } from "./events.ts";
import { validateMetadata, type Metadata } from "./metadata.ts";
import { problem, tooLargeProblem, type Problem } from "./problems.ts";
import { tagMatches } from "./tags.ts";

/** A submission whose every part was decrypted and matched its declared hash. */
export interface VerifiedSubmission {
  metadata: Metadata;
  metadataBytes: Uint8Array;
  data: { bytes: Uint8Array; mimeType: string; schemaUri: string } | undefined;
  attachments: { attachmentId: string; bytes: Uint8Array; filename: string; mimeType: string; purpose: string; description?: string }[];
  tags: AuthenticationTags;
  /** Parts whose JWE named the destination's key by its thumbprint, not its kid. */
  byThumbprint: { instance: string; kid: string }[];
}

/** The most bytes a part may decrypt (and inflate) to: metadata and data count as a document. */
export interface PartLimits {
  document: number;
  attachment: number;
}

/**
 * The subscriber's checks of the FIT-Connect documentation ("Einreichung überprüfen"):
 * compare each JWE's authentication tag with the one the platform recorded at submission
 * (`recorded`, from its `submit-submission` event), decrypt metadata, data and every attachment
 * for this destination's key, validate the metadata against the schema of its version, and
 * compare the sha512 hashes it declares. Every problem found is returned (they all go into one
 * reject event); outages of the API are thrown.
 */
export async function verifySubmission(
  dest: Destination,
  client: FitConnectClient,
  s: Submission,
  recorded: AuthenticationTags,
  limits: PartLimits,
): Promise<{ ok: true; submission: VerifiedSubmission } | { ok: false; problems: Problem[] }> {
  const byThumbprint: VerifiedSubmission["byThumbprint"] = [];
  const open = async (jwe: string, instance: string) => {
    const d = await decryptJwe(jwe, dest.decryptionKeys, instance.startsWith("attachment:") ? limits.attachment : limits.document);
    if (d.ok && d.byThumbprint) byThumbprint.push({ instance, kid: d.byThumbprint });
    return d;
  };
  const unreadable = (instance: string, d: Extract<Decrypted, { ok: false }>) =>
    d.tooLarge !== undefined
      ? tooLargeProblem(instance, d.tooLarge, instance.startsWith("attachment:") ? "attachment" : "document")
      : problem("encryption-issue", instance, d.detail);
  const exchanged = (instance: string) =>
    problem("incorrect-authentication-tag", instance, "the authentication tag differs from the one recorded in the submit-submission event");
  if (!s.encryptedMetadata) return { ok: false, problems: [problem("encryption-issue", "metadata", "the submission carries no encrypted metadata")] };
  if (!tagMatches(s.encryptedMetadata, recorded.metadata)) return { ok: false, problems: [exchanged("metadata")] };
  const meta = await open(s.encryptedMetadata, "metadata");
  if (!meta.ok) return { ok: false, problems: [unreadable("metadata", meta)] };
  const valid = validateMetadata(meta.bytes);
  if (!valid.ok) return { ok: false, problems: [valid.problem] };
  const { metadata } = valid;
  const problems: Problem[] = [];
  const tags: AuthenticationTags = { metadata: meta.tag, attachments: {} };

  let data: VerifiedSubmission["data"];
  const declared = metadata.contentStructure.data;
  if (s.encryptedData && !tagMatches(s.encryptedData, recorded.data)) {
    problems.push(exchanged("data"));
  } else if (s.encryptedData) {
    const d = await open(s.encryptedData, "data");
    if (!d.ok) problems.push(unreadable("data", d));
    else if (!declared) problems.push(problem("hash-mismatch", "data", "the metadata declares no hash for the data"));
    else if (!sameHex(sha512Hex(d.bytes), declared.hash.content))
      problems.push(problem("hash-mismatch", "data", "the sha512 of the data differs from the hash in the metadata"));
    else {
      data = { bytes: d.bytes, mimeType: declared.submissionSchema.mimeType, schemaUri: declared.submissionSchema.schemaUri };
      tags.data = d.tag;
    }
  } else if (declared) {
    problems.push(problem("hash-mismatch", "data", "the metadata declares data, the submission carries none"));
  }

  const announced = new Set(s.attachments ?? []);
  const described = new Map(metadata.contentStructure.attachments.map((a) => [a.attachmentId, a]));
  for (const id of described.keys()) {
    if (!announced.has(id))
      problems.push(problem("missing-attachment", `attachment:${id}`, `the metadata names attachment ${id}, the submission does not carry it`));
  }
  const attachments: VerifiedSubmission["attachments"] = [];
  for (const id of announced) {
    const a = described.get(id);
    const jwe = await client.getAttachment(s.submissionId, id);
    if (!tagMatches(jwe, recorded.attachments[id])) {
      problems.push(exchanged(`attachment:${id}`));
      continue;
    }
    const d = await open(jwe, `attachment:${id}`);
    if (!d.ok) {
      problems.push(unreadable(`attachment:${id}`, d));
      continue;
    }
    if (!a) {
      problems.push(problem("hash-mismatch", `attachment:${id}`, "the metadata declares no hash for this attachment"));
      continue;
    }
    if (!sameHex(sha512Hex(d.bytes), a.hash.content)) {
      problems.push(problem("hash-mismatch", `attachment:${id}`, "the sha512 of the attachment differs from the hash in the metadata"));
      continue;
    }
    tags.attachments[id] = d.tag;
    attachments.push({
      attachmentId: id,
      bytes: d.bytes,
      filename: a.filename ?? `attachment-${id}`,
      mimeType: a.mimeType,
      purpose: a.purpose,
      ...(a.description ? { description: a.description } : {}),
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, submission: { metadata, metadataBytes: meta.bytes, data, attachments, tags, byThumbprint } };
}
