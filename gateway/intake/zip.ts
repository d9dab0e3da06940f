import yauzl from "yauzl";
import type { IntakeResult } from "../contract.ts";
import { messageOf } from "../errors.ts";

/** Limits for unpacking one container; checked on the central directory before anything is inflated. */
export interface ZipLimits {
  /** Most file entries (directories not counted). */
  entries: number;
  /** Largest single entry, uncompressed. */
  entryBytes: number;
  /** All entries together, uncompressed. */
  totalBytes: number;
  /** Highest uncompressed:compressed ratio of an entry larger than {@link RATIO_FLOOR}. */
  ratio: number;
}

/** Entries below this size may compress as well as they like: a small text or XML file does. */
export const RATIO_FLOOR = 1024 * 1024;

export interface ZipEntry {
  /** The entry's path in the container, `/`-separated, never absolute, never with `..`. */
  name: string;
  bytes: Buffer;
}

export type Unzipped = { ok: true; entries: ZipEntry[] } | { ok: false; refusal: Extract<IntakeResult, { kind: "malformed" | "too_large" }> };

const malformed = (detail: string): Unzipped => ({ ok: false, refusal: { kind: "malformed", detail: `ZIP container: ${detail}` } });
const NESTED = /\.(zip|jar|7z|rar|gz|tgz|bz2|xz|tar|cab)$/i;
const LOCAL_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/**
 * Unpacks a ZIP container held in memory, refusing whatever could hurt the store or its
 * readers: more entries than allowed, entries or a total beyond the size limits, a compression
 * ratio only a zip bomb has, absolute paths or `..` (yauzl's strict name checks), names that
 * appear twice (case-insensitively, as a Windows reader would merge them), encrypted entries,
 * and archives nested inside. Sizes are judged on the central directory first; inflating then
 * stops at each entry's declared size (yauzl `validateEntrySizes`), so a directory that lies
 * cannot make it inflate more. yauzl rather than a whole-archive inflater because it reads
 * the central directory lazily, entry by entry, and validates names and sizes itself.
 */
export async function unzip(zip: Buffer, limits: ZipLimits): Promise<Unzipped> {
  let file: yauzl.ZipFile;
  try {
    file = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.fromBuffer(zip, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: true }, (err, f) =>
        err ? reject(err) : resolve(f),
      ),
    );
  } catch (err) {
    return malformed(`not a readable ZIP archive (${messageOf(err)})`);
  }
  if (file.entryCount > limits.entries) {
    file.close();
    return { ok: false, refusal: { kind: "too_large", limit: limits.entries, what: "attachments" } };
  }
  const entries: yauzl.Entry[] = [];
  const seen = new Set<string>();
  let total = 0;
  // Walk the central directory completely before inflating anything.
  const walked = await new Promise<Unzipped | undefined>((resolve) => {
    file.on("error", (err: Error) => resolve(malformed(err.message)));
    file.on("end", () => resolve(undefined));
    file.on("entry", (e: yauzl.Entry) => {
      const refused = judge(e, limits, seen, total);
      if (refused) return resolve(refused);
      if (!e.fileName.endsWith("/")) {
        entries.push(e);
        total += e.uncompressedSize;
      }
      file.readEntry();
    });
    file.readEntry();
  });
  if (walked) {
    file.close();
    return walked;
  }
  const out: ZipEntry[] = [];
  try {
    for (const e of entries) {
      const bytes = await inflate(file, e);
      if (bytes.subarray(0, 4).equals(LOCAL_HEADER)) return malformed(`${e.fileName} is itself a ZIP archive; nested archives are not unpacked`);
      out.push({ name: e.fileName, bytes });
    }
  } catch (err) {
    return malformed(messageOf(err));
  } finally {
    file.close();
  }
  return { ok: true, entries: out };
}

/** The refusal an entry of the central directory earns, if any. */
function judge(e: yauzl.Entry, limits: ZipLimits, seen: Set<string>, total: number): Unzipped | undefined {
  const name = e.fileName;
  const key = name.toLowerCase();
  if (seen.has(key)) return malformed(`the name ${name} appears twice`);
  seen.add(key);
  if (name.endsWith("/")) return undefined;
  if (e.isEncrypted()) return malformed(`${name} is encrypted`);
  if (NESTED.test(name)) return malformed(`${name} is an archive; nested archives are not unpacked`);
  if (e.uncompressedSize > limits.entryBytes) return { ok: false, refusal: { kind: "too_large", limit: limits.entryBytes, what: "attachment" } };
  if (total + e.uncompressedSize > limits.totalBytes) return { ok: false, refusal: { kind: "too_large", limit: limits.totalBytes, what: "delivery" } };
  if (e.uncompressedSize > RATIO_FLOOR && e.uncompressedSize / Math.max(e.compressedSize, 1) > limits.ratio) {
    return malformed(
      `${name} would inflate ${Math.round(e.uncompressedSize / Math.max(e.compressedSize, 1))} times (more than ${limits.ratio}): refused as a zip bomb`,
    );
  }
  return undefined;
}

function inflate(file: yauzl.ZipFile, e: yauzl.Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    file.openReadStream(e, (err, stream) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("error", reject);
      stream.on("end", () => resolve(Buffer.concat(chunks)));
    });
  });
}
