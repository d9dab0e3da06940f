import type { WayBack } from "../../gateway/index.ts";
import { createOsciReplySender } from "./reply-sender.ts";
import type { OsciSettings } from "./settings.ts";

/** The channel of statuses sent as StoreDelivery to the portal's Intermediär. */
export const OSCI_STORE_DELIVERY = "osci-store-delivery";

/**
 * The way back to OSCI portals: where the portal names its Intermediär (`osci.replyIntermediary`),
 * the status goes there as StoreDelivery, ozg-hub as Originator (channel `osci-store-delivery`,
 * retried by the dispatcher). Otherwise it waits for the operator (parked, in the console).
 */
export function osciWayBack(settings: () => OsciSettings | undefined): WayBack {
  return {
    choose: (portal) =>
      portal?.osci?.replyIntermediary
        ? { channel: OSCI_STORE_DELIVERY, state: "pending" }
        : { channel: "parked", state: "parked", reason: "OSCI replies are held for the operator: the portal names no Intermediär (osci.replyIntermediary)" },
    senders: { [OSCI_STORE_DELIVERY]: createOsciReplySender({ settings }) },
  };
}
