import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import busboy from "busboy";
import type { InboundAttachment } from "../../gateway/index.ts";
import { messageOf } from "../../gateway/index.ts";

/**
 * A multipart/form-data body read as a stream: file parts become attachments that the core
 * reads straight into the store; the named document part is collected (bounded) as bytes.
 * Nothing is buffered whole except the document part.
 */
export interface MultipartIntake {
  attachments: AsyncIterable<InboundAttachment>;
  /** Settles once the body is read to the end (or failed): the document part and any problem. */
  finished(): Promise<{ document?: Buffer; documentType?: string; problem?: string; tooLarge?: boolean }>;
  /** Stops reading (after a refusal) and frees the parser. */
  dispose(): void;
}

export interface MultipartOptions {
  /** Name of the part that holds the primary document (`formData`, `application`). */
  documentPart: string;
  /** Part names accepted as attachments; the part name becomes the attachment's group. */
  attachmentParts: readonly string[] | "any";
  documentBytes: number;
}

type Item = { attachment: InboundAttachment } | { end: true };

export function readMultipart(contentType: string, body: ReadableStream<Uint8Array> | null, o: MultipartOptions): MultipartIntake {
  const queue: Item[] = [];
  let wake: (() => void) | undefined;
  const push = (item: Item) => {
    queue.push(item);
    wake?.();
  };
  let document: Buffer | undefined;
  let documentType: string | undefined;
  let problem: string | undefined;
  let tooLarge = false;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const fail = (message: string) => {
    problem ??= message;
    push({ end: true });
    done();
  };

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      defParamCharset: "utf8",
      // File names as sent: busboy would otherwise cut everything up to the last / or \ ("Anlage 1/2.pdf" → "2.pdf").
      // A name is data here, never a path: downloads encode it, consumers must not trust it as one.
      preservePath: true,
      limits: { fieldSize: o.documentBytes, fields: 50, parts: 1000, headerPairs: 100 },
    });
  } catch (err) {
    fail(`multipart: ${messageOf(err)}`);
    return { attachments: drain(queue, () => undefined), finished: async () => ({ problem }), dispose: () => {} };
  }

  const takeDocument = (bytes: Buffer, type: string | undefined) => {
    if (document) return fail(`part "${o.documentPart}" appears more than once`);
    document = bytes;
    documentType = type;
  };

  parser.on("field", (name, value, info) => {
    if (name !== o.documentPart) return; // other plain fields carry nothing we keep
    if (info.valueTruncated) {
      tooLarge = true;
      return fail(`part "${name}" exceeds ${o.documentBytes} bytes`);
    }
    takeDocument(Buffer.from(value, "utf8"), info.mimeType);
  });
  parser.on("file", (name, stream, info) => {
    // A stream abandoned by a refusal errors on dispose; its reader, if any, sees that anyway.
    stream.on("error", () => {});
    if (name === o.documentPart) {
      // A document part sent with a filename: collect it, bounded.
      const pieces: Buffer[] = [];
      let size = 0;
      stream.on("data", (d: Buffer) => {
        size += d.length;
        if (size > o.documentBytes) {
          tooLarge = true;
          stream.resume();
          return fail(`part "${name}" exceeds ${o.documentBytes} bytes`);
        }
        pieces.push(d);
      });
      stream.on("end", () => size <= o.documentBytes && takeDocument(Buffer.concat(pieces), info.mimeType));
      return;
    }
    if (o.attachmentParts !== "any" && !o.attachmentParts.includes(name)) {
      stream.resume();
      return fail(`unexpected part "${name}"`);
    }
    push({
      attachment: {
        name: info.filename || `${name}.bin`,
        contentType: info.mimeType || "application/octet-stream",
        group: name,
        content: stream,
      },
    });
  });
  parser.on("error", (err: Error) => fail(`malformed multipart body: ${err.message}`));
  parser.on("close", () => {
    push({ end: true });
    done();
  });

  const source = body ? Readable.fromWeb(body as WebReadableStream<Uint8Array>) : Readable.from([]);
  source.on("error", (err) => fail(`request body: ${err.message}`));
  source.pipe(parser);

  const next = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });

  return {
    attachments: drain(queue, next),
    finished: async () => {
      await finished;
      return { document, documentType, problem, tooLarge };
    },
    dispose: () => {
      source.unpipe(parser);
      source.destroy();
      parser.destroy();
      done();
    },
  };
}

async function* drain(queue: Item[], next: () => Promise<void> | undefined): AsyncIterable<InboundAttachment> {
  for (;;) {
    const item = queue.shift();
    if (!item) {
      const waiting = next();
      if (!waiting) return;
      await waiting;
      continue;
    }
    if ("end" in item) return;
    yield item.attachment;
  }
}
