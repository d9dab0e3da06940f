import type { InboundAttachment, IntakeResult } from "../contract.ts";
import type { Limits } from "../config/schema.ts";
import { unzip, type ZipLimits } from "./zip.ts";

/** The most an entry over 1 MiB may inflate; documents and PDFs stay far below, zip bombs far above. */
export const XDOMEA_MAX_RATIO = 100;

/** An xdomea message file: `<ProzessID>_<Nachrichtentyp>.xml`, e.g. `…_Geschaeftsgang.Geschaeftsgang.0201.xml`. */
const MESSAGE_FILE = /^[^/]+_[A-Za-z]+\.[A-Za-z]+\.\d{4}\.xml$/i;

const TYPES: Record<string, string> = {
  pdf: "application/pdf",
  xml: "application/xml",
  json: "application/json",
  txt: "text/plain",
  html: "text/html",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  tif: "image/tiff",
  tiff: "image/tiff",
  gif: "image/gif",
  odt: "application/vnd.oasis.opendocument.text",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  eml: "message/rfc822",
  msg: "application/vnd.ms-outlook",
};

const typeOf = (name: string) => TYPES[/\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? ""] ?? "application/octet-stream";

/** What an xdomea ZIP container becomes: the message as the document, everything else as attachments. */
export interface XdomeaContainer {
  /** The xdomea message (XML), exactly as it was in the container. */
  document: Buffer;
  /** Its file name in the container. */
  documentName: string;
  /** The primary documents (group `primaerdokument`), then the container itself, unchanged (group `container`). */
  attachments: InboundAttachment[];
  /** Offered to mappings as `$meta.container`. */
  metadata: { container: { name: string; message: string; files: string[] } };
}

/**
 * Opens an xdomea message sent as the ZIP container the standard prescribes (the message XML
 * `<ProzessID>_<Nachrichtentyp>.xml` beside the primary documents, named as the message's
 * `Dateiname` elements name them). Limits follow the gateway's: no more entries than
 * attachments allowed (the container itself is one more), no entry beyond `attachmentBytes`
 * (the message beyond `documentBytes`), all of it within `deliveryBytes` together with the
 * container. Anything else is refused before intake, so nothing of it is stored.
 *
 * @example
 * const opened = await openXdomeaContainer(zipBytes, "5f3a…_Geschaeftsgang.Geschaeftsgang.0201.zip", limits);
 * if (!opened.ok) return refusal(c, opened.refusal);
 */
export async function openXdomeaContainer(
  zip: Buffer,
  name: string | undefined,
  limits: Limits,
): Promise<{ ok: true; container: XdomeaContainer } | { ok: false; refusal: Extract<IntakeResult, { kind: "malformed" | "too_large" }> }> {
  const zipLimits: ZipLimits = {
    entries: limits.attachments,
    entryBytes: Math.max(limits.attachmentBytes, limits.documentBytes),
    totalBytes: limits.deliveryBytes - zip.byteLength,
    ratio: XDOMEA_MAX_RATIO,
  };
  const unzipped = await unzip(zip, zipLimits);
  if (!unzipped.ok) {
    // The container counts toward the delivery too; the sender should see the configured limit.
    const r = unzipped.refusal;
    return { ok: false, refusal: r.kind === "too_large" && r.what === "delivery" ? { ...r, limit: limits.deliveryBytes } : r };
  }
  const atRoot = unzipped.entries.filter((e) => !e.name.includes("/") && /\.xml$/i.test(e.name));
  const named = atRoot.filter((e) => MESSAGE_FILE.test(e.name));
  const candidates = named.length > 0 ? named : atRoot;
  if (candidates.length !== 1) {
    const detail =
      candidates.length === 0
        ? "no xdomea message (<ProzessID>_<Nachrichtentyp>.xml) at its root"
        : `several xdomea messages at its root (${candidates.map((c) => c.name).join(", ")})`;
    return { ok: false, refusal: { kind: "malformed", detail: `ZIP container: ${detail}` } };
  }
  const message = candidates[0]!;
  if (message.bytes.byteLength > limits.documentBytes) return { ok: false, refusal: { kind: "too_large", limit: limits.documentBytes, what: "document" } };
  const files = unzipped.entries.filter((e) => e !== message);
  for (const f of files) {
    if (f.bytes.byteLength > limits.attachmentBytes) return { ok: false, refusal: { kind: "too_large", limit: limits.attachmentBytes, what: "attachment" } };
  }
  const containerName = name && /\.zip$/i.test(name) ? name : message.name.replace(/\.xml$/i, ".zip");
  return {
    ok: true,
    container: {
      document: message.bytes,
      documentName: message.name,
      attachments: [
        ...files.map((f) => ({ name: f.name, contentType: typeOf(f.name), group: "primaerdokument", content: f.bytes })),
        { name: containerName, contentType: "application/zip", group: "container", content: zip },
      ],
      metadata: { container: { name: containerName, message: message.name, files: files.map((f) => f.name) } },
    },
  };
}

/** Whether bytes are a ZIP archive (local file header), whatever they were labelled. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}
