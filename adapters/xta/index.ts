import { httpsService, type AdapterFactory } from "../../gateway/index.ts";
import { prepareXta } from "./auth.ts";
import { xtaSettings } from "./config.ts";
import { startPollers, type Pollers } from "./poller.ts";
import { xtaRoutes } from "./server.ts";
import { xtaWayBack } from "./way-back.ts";

/**
 * The XTA 2 adapter in its three roles: server for portals (/xta/management, /xta/send),
 * mailbox for tenant systems (/xta/msgbox), and client that reads external XTA mailboxes
 * (gateway.yaml `xta.accounts`, polled in the background). The ports are mounted on the main
 * app (for a TLS-terminating proxy, `xta.trustedProxy`) and, with `xta.https`, served on an
 * HTTPS listener of their own that reads client certificates itself.
 */
export const xtaAdapter: AdapterFactory = (ctx) => {
  const settings = ctx.prepare(prepareXta);
  const routes = xtaRoutes(ctx, settings);
  const listener = httpsService(ctx, routes, (config) => ({
    at: ["xta", "https"],
    https: xtaSettings(config.gateway.xta).https,
    use: "TLS: XTA HTTPS listener",
  }));
  let pollers: Pollers | undefined;
  return {
    routes,
    wayBack: xtaWayBack(ctx),
    async start() {
      await listener.start();
      pollers = startPollers(ctx, settings);
      ctx.onReload(() => pollers?.reconcile());
    },
    async stop() {
      await pollers?.stop();
      await listener.stop();
      pollers = undefined;
    },
  };
};
