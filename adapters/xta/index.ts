import { httpsService, type AdapterFactory } from "../../gateway/index.ts";
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
  const routes = xtaRoutes(ctx);
  const listener = httpsService(ctx, routes, (runtime) => ({ at: ["xta", "https"], https: xtaSettings(runtime).https }));
  let pollers: Pollers | undefined;
  return {
    routes,
    wayBack: xtaWayBack(ctx),
    async start() {
      await listener.start();
      pollers = startPollers(ctx);
      ctx.onReload(() => pollers?.reconcile());
    },
    async stop() {
      await pollers?.stop();
      await listener.stop();
      pollers = undefined;
    },
  };
};
