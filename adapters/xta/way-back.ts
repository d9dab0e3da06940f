import type { AdapterContext, WayBack } from "../../gateway/index.ts";
import { xtaSettings } from "./config.ts";
import { createXtaReplySender, prepareXtaReplies } from "./reply-sender.ts";

/** The channel of statuses waiting in a portal's msgBox at ozg-hub. */
export const XTA_MAILBOX = "xta-mailbox";
/** The channel of statuses sent to the portal's own XTA server. */
export const XTA_CLIENT = "xta-client";

/**
 * The way back to XTA portals. A portal with its own XTA server (`xta.replyServer`) gets the
 * status sent there with sendMessage, ozg-hub as client (channel `xta-client`, retried by the
 * dispatcher). Otherwise the status waits as a message in the portal's msgBox at ozg-hub
 * (channel `xta-mailbox`), which the portal lists, fetches and closes over the msgBox port
 * (server.ts). A portal without an XTA account has its statuses parked.
 */
export function xtaWayBack(ctx: Pick<AdapterContext, "lookups" | "clock" | "prepare">): WayBack {
  const tls = ctx.prepare(prepareXtaReplies);
  return {
    choose: (portal) =>
      portal?.xta?.replyServer
        ? { channel: XTA_CLIENT, state: "pending" }
        : portal?.xta
          ? { channel: XTA_MAILBOX, state: "pending" }
          : { channel: "parked", state: "parked", reason: "the portal has no XTA account" },
    senders: {
      [XTA_CLIENT]: createXtaReplySender({
        portal: (id) => ctx.lookups.portal(id),
        xta: () => xtaSettings(ctx.lookups.section("xta")),
        clock: ctx.clock,
        tls,
      }),
    },
  };
}
