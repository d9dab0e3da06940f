import { createHmac, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import type { Element } from "@xmldom/xmldom";
import type { DialogStore } from "./dialog-store.ts";
import { FEEDBACK, type Feedback } from "./feedback.ts";
import { NS } from "./ns.ts";
import { child, text } from "./xml.ts";
import type { ControlOut } from "./responses.ts";

export interface ControlIn {
  challenge?: string;
  response?: string;
  conversationId?: string;
  sequenceNumber?: number;
}

export function readControlBlock(cb: Element | undefined): ControlIn | undefined {
  if (!cb) return undefined;
  const num = (v: string | null) => (v !== null && v !== "" ? Number(v) : undefined);
  return {
    challenge: text(child(cb, NS.osci, "Challenge")),
    response: text(child(cb, NS.osci, "Response")),
    conversationId: cb.getAttribute("ConversationId") || undefined,
    sequenceNumber: num(cb.getAttribute("SequenceNumber")),
  };
}

export type ControlCheck = { ok: true; out: () => ControlOut; inDialog: boolean; cipherCert?: string } | { ok: false; feedback: Feedback };

const bad = (detail: string): ControlCheck => ({ ok: false, feedback: { ...FEEDBACK.controlBlock, detail } });

/**
 * Explicit dialogs (InitDialog ... ExitDialog) and replay refusal. Each answer carries a new
 * Challenge that the client's next request must return as Response, with the next
 * SequenceNumber; a replayed request fails both. Outside dialogs a client Challenge is
 * accepted once per signer. The state is in the store, so a dialog continues on any instance
 * and a replay is refused by every one; each step is one compare-and-set, so two copies of a
 * request sent at once cannot both pass.
 */
export class Dialogs {
  private lastExpiry = 0;

  constructor(
    private readonly store: DialogStore,
    private readonly now: () => Date,
    private readonly ttlMs = 15 * 60_000,
  ) {}

  /** Checks a request's ControlBlock; `signer` is the sha256 of the verified signing certificate. */
  async check(op: string, cb: ControlIn | undefined, signer: string, cipherCert?: string): Promise<ControlCheck> {
    await this.expire();
    if (!cb?.challenge) return bad("Challenge missing");
    const challenge = cb.challenge;
    if (op === "initDialog") {
      if (cb.conversationId !== undefined) return bad("InitDialog carries no ConversationId");
      if (!(await this.once(signer, challenge))) return bad("Challenge already used");
      const id = String(randomInt(1, 2 ** 47));
      const next = fresh();
      // InitDialog carries no SequenceNumber; the first order in the dialog is number 0 (as the
      // Governikus library counts), so the dialog starts "before" 0.
      await this.store.open({ conversationId: id, signer, cipherCert: cipherCert ?? null, challenge: next, sequence: -1, touchedAt: this.now() });
      return { ok: true, inDialog: true, cipherCert, out: () => ({ response: challenge, challenge: next, conversationId: id }) };
    }
    if (cb.conversationId === undefined) {
      if (op === "exitDialog" || op === "fetchProcessCard") return { ok: false, feedback: { ...FEEDBACK.noDialog, detail: `${op} needs an explicit dialog` } };
      if (!(await this.once(signer, challenge))) return bad("Challenge already used (replayed request)");
      // Implicit dialog: one request, one answer; the answer names a conversation of its own.
      const id = String(randomInt(1, 2 ** 47));
      return { ok: true, inDialog: false, cipherCert, out: () => ({ response: challenge, conversationId: id, sequenceNumber: cb.sequenceNumber ?? 0 }) };
    }
    const id = cb.conversationId;
    const sequence = cb.sequenceNumber;
    if (sequence === undefined || !Number.isSafeInteger(sequence) || cb.response === undefined) return this.explain(id, signer, cb);
    // The step: only the request that answers the current Challenge with the next number moves
    // the dialog on; ExitDialog ends it in the same statement.
    const close = op === "exitDialog";
    const next = close ? undefined : fresh();
    const row = await this.store.step(
      { conversationId: id, signer, response: cb.response, sequence, notBefore: this.expiredBefore() },
      next === undefined ? "close" : { challenge: next, at: this.now() },
    );
    if (!row) return this.explain(id, signer, cb);
    return {
      ok: true,
      inDialog: true,
      cipherCert: cipherCert ?? row.cipherCert ?? undefined,
      out: () => ({ response: challenge, challenge: next, conversationId: id, sequenceNumber: sequence }),
    };
  }

  /** Why a dialog step was refused, for the feedback's detail. */
  private async explain(id: string, signer: string, cb: ControlIn): Promise<ControlCheck> {
    const d = await this.store.find(id, signer, this.expiredBefore());
    if (!d) return bad(`no open dialog ${id}`);
    if (cb.response !== d.challenge) return bad("Response does not answer the last Challenge (replayed or out of order)");
    return bad(`SequenceNumber ${cb.sequenceNumber ?? "(none)"} where ${d.sequence + 1} was due`);
  }

  /** Records a client Challenge; false when this signer used it before. */
  private async once(signer: string, challenge: string): Promise<boolean> {
    return this.store.remember(signer, challenge, this.now());
  }

  private expiredBefore(): Date {
    return new Date(this.now().getTime() - this.ttlMs);
  }

  /**
   * Forgets dialogs and Challenges older than the TTL, at most once a minute per process.
   * A Challenge is remembered as long as a dialog may live; a delivery replayed later is still
   * refused by the intake's duplicate check on its MessageId.
   */
  private async expire(): Promise<void> {
    const now = this.now().getTime();
    if (now - this.lastExpiry < 60_000) return;
    this.lastExpiry = now;
    await this.store.forget(this.expiredBefore());
  }
}

function fresh(): string {
  return randomBytes(16).toString("hex");
}

/**
 * Message ids that ozg-hub hands out by GetMessageId: random bytes with a MAC, so that any
 * instance can tell its own ids from invented ones without shared state. Reuse of an id is
 * caught by the intake (same portal, same source id: duplicate). On the wire an OSCI MessageId
 * is base64 of a text: the Governikus library decodes it to a UTF-8 string and encodes it again
 * for StoreDelivery, so the decoded id must be ASCII (random bytes would not survive that).
 */
export class MessageIds {
  constructor(private readonly secret: Buffer) {}

  issue(portalId: string): string {
    const r = randomBytes(16);
    return Buffer.from(`ozg-hub-${r.toString("hex")}-${this.mac(r, portalId).toString("hex")}`, "ascii").toString("base64");
  }

  valid(id: string, portalId: string): boolean {
    const raw = Buffer.from(id, "base64");
    if (raw.toString("base64") !== id) return false;
    const m = /^ozg-hub-([0-9a-f]{32})-([0-9a-f]{32})$/.exec(raw.toString("latin1"));
    if (!m) return false;
    return timingSafeEqual(Buffer.from(m[2]!, "hex"), this.mac(Buffer.from(m[1]!, "hex"), portalId));
  }

  private mac(r: Buffer, portalId: string): Buffer {
    return createHmac("sha256", this.secret).update(r).update(portalId).digest().subarray(0, 16);
  }
}
