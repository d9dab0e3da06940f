import type { Receipt } from "../../gateway/index.ts";

/** The JSON receipt of the /api/v1 intakes; a repeat of a delivery gets the same one. */
export function receiptBody(r: Receipt) {
  return {
    id: r.deliveryId,
    reference: r.reference,
    sourceId: r.sourceMessageId,
    state: r.state,
    receivedAt: r.receivedAt.toISOString(),
    ...(r.applications ? { applications: r.applications } : {}),
    links: { self: `/api/v1/applications/${r.deliveryId}` },
  };
}
