import { createHmac, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import type { Element } from "@xmldom/xmldom";
import { FEEDBACK, type Feedback } from "./feedback.ts";
import { NS } from "./ns.ts";
import { child, text } from "./xml.ts";
import type { ControlOut } from "./responses.ts";

interface Dialog {
  signer: string;
  /** The client's cipher certificate named at InitDialog: later orders (ExitDialog, FetchProcessCard) may not name it again. */
  cipherCert?: string;
  challenge: string;
  sequence: number;
  touched: number;
}

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

export type ControlCheck = { ok: true; out: (close?: boolean) => ControlOut; inDialog: boolean; cipherCert?: string } | { ok: false; feedback: Feedback };

const bad = (detail: string): ControlCheck => ({ ok: false, feedback: { ...FEEDBACK.controlBlock, detail } });

/**
 * Explicit dialogs (InitDialog ... ExitDialog) and replay refusal. Each answer carries a new
 * Challenge that the client's next request must return as Response, with the next
 * SequenceNumber; a replayed request fails both. Outside dialogs a client Challenge is
 * accepted once per signer. State is per process: clients keep a dialog on one instance
 * (sticky sessions) when several run.
 */
export class Dialogs {
  private readonly dialogs = new Map<string, Dialog>();
  private readonly seen = new Map<string, number>();

  constructor(private readonly ttlMs = 15 * 60_000, private readonly now: () => number = Date.now) {}

  /** Checks a request's ControlBlock; `signer` is the sha256 of the verified signing certificate. */
  check(op: string, cb: ControlIn | undefined, signer: string, cipherCert?: string): ControlCheck {
    this.expire();
    if (!cb?.challenge) return bad("Challenge missing");
    const challenge = cb.challenge;
    if (op === "initDialog") {
      if (cb.conversationId !== undefined) return bad("InitDialog carries no ConversationId");
      if (!this.once(signer, challenge)) return bad("Challenge already used");
      const id = String(randomInt(1, 2 ** 47));
      const d: Dialog = { signer, cipherCert, challenge: fresh(), sequence: 0, touched: this.now() };
      this.dialogs.set(id, d);
      return { ok: true, inDialog: true, cipherCert, out: () => ({ response: challenge, challenge: d.challenge, conversationId: id }) };
    }
    if (cb.conversationId === undefined) {
      if (op === "exitDialog" || op === "fetchProcessCard") return { ok: false, feedback: { ...FEEDBACK.noDialog, detail: `${op} needs an explicit dialog` } };
      if (!this.once(signer, challenge)) return bad("Challenge already used (replayed request)");
      // Implicit dialog: one request, one answer; the answer names a conversation of its own.
      const id = String(randomInt(1, 2 ** 47));
      return { ok: true, inDialog: false, cipherCert, out: () => ({ response: challenge, conversationId: id, sequenceNumber: (cb.sequenceNumber ?? 0) }) };
    }
    const d = this.dialogs.get(cb.conversationId);
    if (!d || d.signer !== signer) return bad(`no open dialog ${cb.conversationId}`);
    if (cb.response !== d.challenge) return bad("Response does not answer the last Challenge (replayed or out of order)");
    if (cb.sequenceNumber !== d.sequence + 1) return bad(`SequenceNumber ${cb.sequenceNumber ?? "(none)"} where ${d.sequence + 1} was due`);
    const id = cb.conversationId;
    d.sequence += 1;
    d.challenge = fresh();
    d.touched = this.now();
    return {
      ok: true,
      inDialog: true,
      cipherCert: cipherCert ?? d.cipherCert,
      out: (close) => {
        if (close) this.dialogs.delete(id);
        return { response: challenge, challenge: close ? undefined : d.challenge, conversationId: id, sequenceNumber: d.sequence };
      },
    };
  }

  private once(signer: string, challenge: string): boolean {
    const key = `${signer} ${challenge}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, this.now());
    return true;
  }

  private expire(): void {
    const limit = this.now() - this.ttlMs;
    for (const [k, d] of this.dialogs) if (d.touched < limit) this.dialogs.delete(k);
    for (const [k, t] of this.seen) if (t < limit) this.seen.delete(k);
  }
}

function fresh(): string {
  return randomBytes(16).toString("hex");
}

/**
 * Message ids that ozg-hub hands out by GetMessageId: random bytes with a MAC, so that any
 * instance can tell its own ids from invented ones without shared state. Reuse of an id is
 * caught by the intake (same portal, same source id: duplicate).
 */
export class MessageIds {
  constructor(private readonly secret: Buffer) {}

  issue(portalId: string): string {
    const r = randomBytes(16);
    return Buffer.concat([r, this.mac(r, portalId)]).toString("base64");
  }

  valid(id: string, portalId: string): boolean {
    const raw = Buffer.from(id, "base64");
    if (raw.length !== 32 || raw.toString("base64") !== id) return false;
    return timingSafeEqual(raw.subarray(16), this.mac(raw.subarray(0, 16), portalId));
  }

  private mac(r: Buffer, portalId: string): Buffer {
    return createHmac("sha256", this.secret).update(r).update(portalId).digest().subarray(0, 16);
  }
}
