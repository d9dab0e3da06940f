import { createHash, randomUUID } from "node:crypto";
import type { TransactionSql } from "postgres";
import type { Gateway, InboundAttachment, InboundDelivery, IntakeResult, Receipt } from "../contract.ts";
import type { Logger } from "../logger.ts";
import { parseDocument, type AttachmentInfo } from "../mapping/engine.ts";
import type { Metrics } from "../metrics.ts";
import { interpretationRows } from "../outbox/write.ts";
import type { Runtime } from "../runtime.ts";
import type { Limits } from "../config/schema.ts";
import { deliveryStatus } from "../status/query.ts";
import type { Store } from "../store/db.ts";
import { slices, writeAttachment } from "./attachment-writer.ts";
import { interpret } from "./interpret.ts";
import { GroupCommit } from "./group-commit.ts";
import { inSpan } from "../tracing.ts";
import { findReceipt, isDuplicateSource, newReference, sameHashes, storedHashes, type ContentHashes } from "./receipts.ts";
import { insertDeliveries, type DeliveryWrite } from "./write-delivery.ts";

type Refusal = Exclude<IntakeResult, { kind: "accepted" | "duplicate" }>;

/** Stores a delivery with everything that follows from it, committed when it resolves (or within the caller's transaction). */
type Write = (w: DeliveryWrite) => Promise<void>;

/** Thrown inside the transaction to roll it back with an expected outcome; caught right outside. */
class Refused {
  constructor(readonly result: Refusal) {}
}

export interface IntakeDeps {
  store: Store;
  runtime: () => Runtime;
  metrics: Metrics;
  log: Logger;
  clock: () => Date;
  /** Called after a commit that wrote outbox rows, to wake the relay. */
  onCommitted: () => void;
  /** Outbox rows the broker has not confirmed yet (a recent count); above relay.maxBacklog intake answers busy. */
  backlog?: () => number;
}

/**
 * The durable intake. It stores the delivery, streams its attachments, parses and interprets
 * the document, and writes the application and its outbox rows (or the park reason), all in
 * one transaction: a delivery without attachments is a single statement, committed together
 * with those of concurrent deliveries (group commit, each in a savepoint of its own), one with
 * attachments a transaction of its own that the attachments stream into. Only a committed
 * delivery is `accepted`; a refusal rolls everything back.
 */
export function createIntake(deps: IntakeDeps): Pick<Gateway, "intake" | "status"> {
  const { store, metrics } = deps;
  const group = new GroupCommit<DeliveryWrite>(
    store.sql,
    () => deps.runtime().config.gateway.groupCommit,
    insertDeliveries,
    (size) => metrics.groupCommitSize.observe(size),
  );
  const grouped: Write = (w) => group.run(w);

  async function intake(d: InboundDelivery): Promise<IntakeResult> {
    const result = await inSpan("ozg-hub.intake", { "ozg.channel": d.channel, "ozg.portal": d.portalId }, async (span) => {
      const r = await run(d);
      span?.setAttribute("ozg.outcome", r.kind);
      if (r.kind === "accepted")
        span?.setAttributes({ "ozg.delivery": r.receipt.deliveryId, "ozg.reference": r.receipt.reference, "ozg.state": r.receipt.state });
      return r;
    });
    metrics.deliveries.inc({ channel: d.channel, portal: d.portalId, outcome: result.kind });
    return result;
  }

  async function run(d: InboundDelivery): Promise<IntakeResult> {
    // Back-pressure: while the broker is behind, refuse before storing rather than grow without bound.
    const { maxBacklog, retryAfterSeconds } = deps.runtime().config.gateway.relay;
    if (deps.backlog && deps.backlog() >= maxBacklog) return { kind: "busy", retryAfterSeconds };
    if (d.sourceMessageId) {
      const earlier = await findReceipt(store.db, d.portalId, d.sourceMessageId);
      if (earlier) return repeated(earlier, await hashesOf(d, deps.runtime().config.gateway.limits));
    }
    const draft: Draft = {
      deliveryId: randomUUID(),
      reference: newReference(),
      receivedAt: deps.clock(),
      sourceMessageId: d.sourceMessageId ?? null,
      attachments: [],
      total: 0,
    };
    let written: Written;
    try {
      const attachments = iterate(d.attachments);
      const first = await attachments.next();
      if (first.done) {
        written = await finish(grouped, d, draft);
      } else {
        written = await store.sql.begin(async (tx) => {
          let next: IteratorResult<InboundAttachment> = first;
          for (; !next.done; next = await attachments.next()) await addAttachment(tx, draft, next.value);
          return finish((w) => insertDeliveries(tx, [w]), d, draft);
        });
      }
    } catch (err) {
      if (err instanceof Refused) return err.result;
      if (draft.sourceMessageId && isDuplicateSource(err)) {
        const earlier = await findReceipt(store.db, d.portalId, draft.sourceMessageId);
        if (earlier) return repeated(earlier, { document: draft.sha256 ?? "", attachments: draft.attachments.map((a) => a.sha256 ?? "") });
      }
      throw err;
    }
    if (written.outboxRows > 0) deps.onCommitted();
    const receipt: Receipt = {
      deliveryId: draft.deliveryId,
      reference: draft.reference,
      sourceMessageId: draft.sourceMessageId,
      receivedAt: draft.receivedAt,
      state: written.state,
      applications: written.applications,
    };
    return { kind: "accepted", receipt };
  }

  /** A repeat of an earlier delivery: `changed` when its content (hashes; undefined: unreadable) is not the first one's. */
  async function repeated(earlier: Receipt, hashes: ContentHashes | undefined): Promise<IntakeResult> {
    const changed = !hashes || !sameHashes(await storedHashes(store.db, earlier.deliveryId), hashes);
    return { kind: "duplicate", receipt: earlier, changed };
  }

  async function addAttachment(tx: TransactionSql, draft: Draft, a: InboundAttachment): Promise<void> {
    const limits = deps.runtime().config.gateway.limits;
    if (draft.attachments.length >= limits.attachments) throw new Refused({ kind: "too_large", limit: limits.attachments, what: "attachments" });
    const w = await writeAttachment(tx, draft.deliveryId, draft.attachments.length, a, {
      attachmentBytes: limits.attachmentBytes,
      remainingDeliveryBytes: limits.deliveryBytes - draft.total,
    });
    if (!w.ok) throw new Refused({ kind: "too_large", limit: w.what === "attachment" ? w.limit : limits.deliveryBytes, what: w.what });
    draft.attachments.push(w.info);
    draft.total += w.info.size;
  }

  /** Reads the document, interprets it and writes the delivery with everything that follows from it. */
  async function finish(write: Write, d: InboundDelivery, draft: Draft): Promise<Written> {
    const runtime = deps.runtime();
    const { limits } = runtime.config.gateway;
    const doc = await d.document();
    if ("kind" in doc) throw new Refused(doc);
    if (doc.bytes.byteLength > limits.documentBytes) throw new Refused({ kind: "too_large", limit: limits.documentBytes, what: "document" });
    const size = draft.total + doc.bytes.byteLength;
    if (size > limits.deliveryBytes) throw new Refused({ kind: "too_large", limit: limits.deliveryBytes, what: "delivery" });
    const parsed = parseDocument(doc.bytes, doc.contentType, limits);
    if (!parsed.ok) throw new Refused({ kind: "malformed", detail: parsed.detail });

    draft.sourceMessageId = doc.sourceMessageId ?? draft.sourceMessageId;
    const { deliveryId, reference, receivedAt } = draft;
    const interpretation = await inSpan("ozg-hub.map", { "ozg.delivery": deliveryId }, () =>
      interpret(runtime, {
        channel: d.channel,
        portalId: d.portalId,
        contentType: doc.contentType,
        format: doc.format ?? runtime.portals.byId(d.portalId)?.mapping,
        sourceMessageId: draft.sourceMessageId,
        receivedAt,
        metadata: doc.metadata ?? {},
        attachments: draft.attachments,
        document: parsed.document,
        xml: parsed.xml,
        documentWarning: parsed.warning,
        recipient: doc.recipient,
        signatures: doc.signatures,
        forms: runtime.portals.byId(d.portalId)?.forms,
      }),
    );
    const bytes = Buffer.from(doc.bytes.buffer, doc.bytes.byteOffset, doc.bytes.byteLength);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    draft.sha256 = sha256;
    const rows = interpretationRows(
      runtime.config,
      { id: deliveryId, reference, receivedAt, contentType: doc.contentType, sha256 },
      interpretation,
      receivedAt,
    );
    const received = {
      deliveryId,
      at: receivedAt,
      type: "received",
      detail: {
        channel: d.channel,
        portal: d.portalId,
        sourceMessageId: draft.sourceMessageId,
        attachments: draft.attachments.length,
        bytes: size,
        ...(doc.signatures?.length ? { signatures: doc.signatures } : {}),
      },
    };
    await inSpan("ozg-hub.store", { "ozg.delivery": deliveryId, "ozg.outbox_rows": rows.outbox.length }, () =>
      write({
        delivery: {
          id: deliveryId,
          reference,
          channel: d.channel,
          portalId: d.portalId,
          sourceMessageId: draft.sourceMessageId,
          contentType: doc.contentType,
          document: bytes,
          sha256,
          size,
          metadata: doc.metadata ?? {},
          recipient: doc.recipient ?? null,
          receivedAt,
        },
        rows,
        events: [received, ...rows.events],
      }),
    );
    if (interpretation.kind === "parked") {
      metrics.parked.inc({ stage: interpretation.stage });
      if (interpretation.stage === "mapping") metrics.mappingFailures.inc({ format: interpretation.format ?? "" });
      deps.log.warn({ deliveryId, reference, portal: d.portalId, stage: interpretation.stage, reason: interpretation.message }, "delivery parked");
    }
    return { state: rows.delivery.state, outboxRows: rows.outbox.length, applications: rows.applications.map((a) => ({ id: a.id, tenantId: a.tenantId })) };
  }

  return { intake, status: (deliveryId, portalId) => deliveryStatus(store.db, deliveryId, portalId) };
}

interface Written {
  state: string;
  outboxRows: number;
  applications: { id: string; tenantId: string }[];
}

interface Draft {
  deliveryId: string;
  reference: string;
  receivedAt: Date;
  sourceMessageId: string | null;
  attachments: AttachmentInfo[];
  total: number;
  /** The document's, once read. */
  sha256?: string;
}

/**
 * The content hashes of a delivery that repeats a known id, read without storing anything (the
 * attachments streamed through a hash, within the same limits as a first delivery); undefined
 * when its document cannot be read or it breaks a limit, which no earlier delivery could have.
 */
async function hashesOf(d: InboundDelivery, limits: Pick<Limits, "attachments" | "deliveryBytes">): Promise<ContentHashes | undefined> {
  const attachments: string[] = [];
  let total = 0;
  for await (const a of d.attachments) {
    if (attachments.length >= limits.attachments) return undefined;
    const hash = createHash("sha256");
    for await (const piece of slices(a.content)) {
      if ((total += piece.byteLength) > limits.deliveryBytes) return undefined;
      hash.update(piece);
    }
    attachments.push(hash.digest("hex"));
  }
  const doc = await d.document();
  if ("kind" in doc) return undefined;
  return { document: createHash("sha256").update(doc.bytes).digest("hex"), attachments };
}

function iterate<T>(source: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> | Iterator<T> {
  return Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]();
}
