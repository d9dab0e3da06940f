import type { X509Certificate } from "node:crypto";
import type { AdapterContext } from "../../gateway/index.ts";
import type { ControlCheck } from "./dialogs.ts";
import type { Feedback } from "./feedback.ts";
import type { OsciMessage } from "./message.ts";
import type { ControlOut, ResponseOrder } from "./responses.ts";
import type { OsciSettings } from "./settings.ts";

// The handlers' contract, apart from the handler table (orders.ts), so that handlers kept in
// files of their own (process-cards.ts) need not import the table that imports them.

/** Who sent a verified request: a portal's OSCI client or an Intermediär, by its pinned certificate. */
export interface Sender {
  portalId: string;
  signer: X509Certificate;
  /** Certificate to encrypt the answer for. */
  cipherCert?: string;
  kind: "originator" | "intermediary";
}

/** What every order handler gets: a request that passed MIME, decryption, signature and ControlBlock. */
export interface OrderContext {
  ctx: AdapterContext;
  /** The settings of the config in force when the request came in. */
  settings: OsciSettings;
  m: OsciMessage;
  sender: Sender;
  /** Ids of the signed elements and parts: only those are read. */
  signedIds: Set<string>;
  signedCids: Set<string>;
  control: Extract<ControlCheck, { ok: true }>;
  /** Feedback 0800, or 0801 inside an open dialog. */
  ok: Feedback;
  /** The signed (and, for an encrypted request, encrypted) response. */
  answer(ctrl: ControlOut, order: ResponseOrder, status?: number): Response;
  /** A message-level refusal: an unsigned fault. */
  refuse(f: Feedback): Response;
  /** A delivery's metadata by sender and MessageId, for process cards. */
  deliveryMetadata(portalId: string, messageId: string): Promise<{ receivedAt: Date; metadata: Record<string, unknown> } | undefined>;
  /** A sender's deliveries, oldest first: received after `receivedAfter` if given, at most `limit`. */
  deliveriesOf(
    portalId: string,
    opts: { receivedAfter?: Date; limit: number },
  ): Promise<{ sourceMessageId: string; receivedAt: Date; metadata: Record<string, unknown> }[]>;
}

export type OrderHandler = (o: OrderContext) => Promise<Response> | Response;
