import type { Element } from "@xmldom/xmldom";
import { FEEDBACK } from "./feedback.ts";
import { NS } from "./ns.ts";
import type { OrderContext, OrderHandler } from "./order-context.ts";
import type { ProcessCardOut } from "./responses.ts";
import { child, children, esc, messageIdOf, text } from "./xml.ts";

/** Most process cards in one answer, whatever Quantity asks for. */
const MAX_CARDS = 1000;

/**
 * FetchProcessCard with the selections OSCI 1.2 defines (FetchProcessCard.xsd):
 * - `MessageId` (one or more): the cards of those deliveries;
 * - `ReceptionOfDelivery` / `RecentModification` (a dateTime): the cards of deliveries received,
 *   or last changed, after it. A card here changes only when the delivery is received (ozg-hub
 *   takes it for the addressee at once), so both select by the time of reception;
 *   `NoReception="true"` asks for deliveries not yet received: there are none;
 *   `Role="Addressee"` asks for messages addressed to the sender: ozg-hub holds none for it;
 * - no SelectionRule: every card of the sender;
 * each capped by `Quantity Limit`. No card selected: 9804, as OSCI prescribes.
 */
export const fetchProcessCard: OrderHandler = async (o) => {
  const rule = child(o.m.order, NS.osci, "SelectionRule");
  const quantity = child(o.m.order, NS.osci, "Quantity");
  const asked = Number(quantity?.getAttribute("Limit") ?? MAX_CARDS);
  const limit = Number.isInteger(asked) && asked > 0 ? Math.min(asked, MAX_CARDS) : MAX_CARDS;
  const selected = await select(o, rule, limit);
  if (!selected.ok)
    return o.answer(o.control.out(), {
      op: "responseToFetchProcessCard",
      feedback: { ...FEEDBACK.invalidRequest, detail: selected.detail },
      selection: "",
      processCards: [],
    });
  const cards = selected.cards.slice(0, limit);
  return o.answer(o.control.out(), {
    op: "responseToFetchProcessCard",
    feedback: cards.length ? o.ok : FEEDBACK.noProcessCard,
    selection: selectionEcho(rule, quantity ? limit : undefined),
    processCards: cards,
  });
};

type Selected = { ok: true; cards: ProcessCardOut[] } | { ok: false; detail: string };

async function select(o: OrderContext, rule: Element | undefined, limit: number): Promise<Selected> {
  const portal = o.sender.portalId;
  const ids = children(rule, NS.osci, "MessageId");
  if (ids.length > 0) {
    const found = await Promise.all(ids.map(async (e) => cardOf(messageIdOf(e)!, await o.deliveryMetadata(portal, messageIdOf(e)!))));
    return { ok: true, cards: found.flatMap((c) => (c ? [c] : [])) };
  }
  const byDate = child(rule, NS.osci, "ReceptionOfDelivery") ?? child(rule, NS.osci, "RecentModification");
  if (rule && !byDate) return { ok: false, detail: "SelectionRule must hold MessageId, ReceptionOfDelivery or RecentModification" };
  let receivedAfter: Date | undefined;
  if (byDate) {
    receivedAfter = new Date(text(byDate) ?? "");
    if (Number.isNaN(receivedAfter.getTime())) return { ok: false, detail: `${byDate.localName} is not an xs:dateTime` };
    if (byDate.getAttribute("NoReception") === "true" || byDate.getAttribute("Role") === "Addressee") return { ok: true, cards: [] };
  }
  const rows = await o.deliveriesOf(portal, { ...(receivedAfter ? { receivedAfter } : {}), limit });
  return { ok: true, cards: rows.map((r) => cardOf(r.sourceMessageId, r)!) };
}

/**
 * The selection as the answer repeats it (ResponseToFetchProcessCard's `fetchProcessCard`, which
 * needs at least one element): the rule as asked, the Quantity when one was asked (or alone when
 * there was no rule).
 */
function selectionEcho(rule: Element | undefined, limit: number | undefined): string {
  const quantity = limit !== undefined || !rule ? `<osci:Quantity Limit="${limit ?? MAX_CARDS}"/>` : "";
  if (!rule) return quantity;
  const inner = children(rule)
    .map((e) => {
      const attrs = ["NoReception", "Role"].flatMap((a) => (e.getAttribute(a) ? [` ${a}="${esc(e.getAttribute(a)!)}"`] : [])).join("");
      const value = e.localName === "MessageId" ? messageIdOf(e)! : (text(e) ?? "");
      return `<osci:${e.localName}${attrs}>${esc(value)}</osci:${e.localName}>`;
    })
    .join("");
  return `<osci:SelectionRule>${inner}</osci:SelectionRule>${quantity}`;
}

/**
 * The process card of a delivery, from the store: any instance answers it, also after a
 * restart. Reception is when ozg-hub committed the delivery; the inspection report lists the
 * certificates whose signatures were verified then.
 */
function cardOf(messageId: string, found: { receivedAt: Date; metadata: Record<string, unknown> } | undefined): ProcessCardOut | undefined {
  if (!found) return undefined;
  const osci = (found.metadata.osci ?? {}) as { subject?: string; inspected?: { subject: string; issuer: string; serial: string }[] };
  const at = found.receivedAt;
  return {
    messageId,
    creation: at,
    reception: at,
    ...(osci.subject ? { subject: osci.subject } : {}),
    inspections: (osci.inspected ?? []).map((i) => ({ at, ...i, ok: true })),
  };
}
