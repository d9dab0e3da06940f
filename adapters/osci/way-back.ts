import type { WayBack } from "../../gateway/index.ts";

/** Sending a StoreDelivery back needs the sender's Intermediär; until one is named, statuses wait for the operator. */
export const osciWayBack: WayBack = {
  choose: () => ({ channel: "parked", state: "parked", reason: "OSCI replies are held for the operator" }),
};
