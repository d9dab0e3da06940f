import type { WayBack } from "../../gateway/index.ts";

/**
 * The way back to XTA portals: the status waits as a message in the portal's msgBox at
 * ozg-hub (channel `xta-mailbox`), which the portal lists, fetches and closes over the msgBox
 * port (server.ts). A portal without an XTA account has its statuses parked.
 */
/** The channel of statuses waiting in a portal's msgBox at ozg-hub. */
export const XTA_MAILBOX = "xta-mailbox";

export const xtaWayBack: WayBack = {
  choose: (portal) =>
    portal?.xta ? { channel: XTA_MAILBOX, state: "pending" } : { channel: "parked", state: "parked", reason: "the portal has no XTA account" },
};
