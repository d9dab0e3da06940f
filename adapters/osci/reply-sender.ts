import type { PortalNotification } from "../../gateway/index.ts";
import { statusReplyParts } from "../xta/reply-sender.ts";
import type { OsciSettings } from "./settings.ts";
import { getMessageIdRequest, readAnswer, storeDeliveryRequest, type Answer, type OutgoingRequest } from "./store-delivery-out.ts";

/** An order the Intermediär refused (its feedback code) or an answer ozg-hub could not accept. */
export class OsciReplyError extends Error {
  override readonly name = "OsciReplyError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The `osci-store-delivery` sender: ozg-hub, as OSCI Originator, asks the portal's Intermediär
 * (its `osci.replyIntermediary`) for a MessageId and sends the status as StoreDelivery, the
 * content encrypted for the portal's OSCI client and signed by ozg-hub. Any refusal throws (the
 * dispatcher retries). Each attempt has a MessageId of its own: a repeat after a lost answer
 * is a second delivery at the Intermediär, which the portal drops by the status event's id.
 */
export function createOsciReplySender(deps: { settings: () => OsciSettings | undefined }) {
  return async function sendOsciReply(n: PortalNotification): Promise<Record<string, unknown>> {
    const settings = deps.settings();
    const reply = settings?.portals.find((p) => p.portal.id === n.portalId)?.reply;
    if (!settings || !reply) throw new Error(`portal ${n.portalId} has no osci.replyIntermediary configured`);
    const originator = { signer: settings.signing, cipher: settings.decryption };

    const exchange = async (req: OutgoingRequest): Promise<Answer & { ok: true }> => {
      const signal = n.signal ? AbortSignal.any([n.signal, AbortSignal.timeout(reply.timeoutMs)]) : AbortSignal.timeout(reply.timeoutMs);
      const res = await fetch(reply.url, {
        method: "POST",
        headers: { "content-type": req.contentType },
        body: new Uint8Array(req.body),
        signal,
        redirect: "manual",
      });
      const body = Buffer.from(await res.arrayBuffer());
      if (body.byteLength === 0) throw new OsciReplyError(`http-${res.status}`, `the Intermediär answered HTTP ${res.status} without a message`);
      const answer = readAnswer(body, res.headers.get("content-type") ?? undefined, req.challenge, settings.decryption, reply.certs);
      if (!answer.ok) throw new OsciReplyError(answer.code, answer.detail);
      return answer;
    };

    const id = await exchange(getMessageIdRequest(originator, reply.cipherCert));
    if (!id.messageId) throw new OsciReplyError("local", "the answer to GetMessageId carries no MessageId");
    const { json, document } = statusReplyParts(n.payload);
    const stored = await exchange(
      storeDeliveryRequest(originator, reply.cipherCert, reply.addresseeCipherCert, {
        messageId: id.messageId,
        subject: reply.subject,
        data: json,
        ...(document ? { attachment: document } : {}),
      }),
    );
    return { osciMessageId: id.messageId, feedback: stored.code, intermediary: reply.url };
  };
}
