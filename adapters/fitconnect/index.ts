import type { AdapterFactory } from "../../gateway/index.ts";
import { callbackRoutes } from "./callback.ts";
import { prepareFitConnect, type Destination } from "./config.ts";
import { fitConnectMetrics } from "./metrics.ts";
import { DestinationPoller } from "./poller.ts";
import { fitConnectWayBack } from "./way-back.ts";

/**
 * FIT-Connect as a subscriber: one poller per destination configured in a tenant file's
 * `fitconnect:` block, woken early by authenticated callbacks. Destinations and keys are checked
 * by the prepare step at start and on every reload; a reload with problems is refused and the
 * running pollers stay as they are. Statuses on its applications go back as replies on the case,
 * through the destination's running poller (its client and keys).
 */
export const fitconnectAdapter: AdapterFactory = (ctx) => {
  const metrics = fitConnectMetrics(ctx.metrics.registry);
  let pollers = new Map<string, DestinationPoller>();
  let stopped = true;
  // Reloads and stop are applied one after the other, never interleaved.
  let queue: Promise<void> = Promise.resolve();
  const serial = (step: () => Promise<void>) => (queue = queue.then(step, step));
  const keyOf = (d: Destination) =>
    JSON.stringify({
      ...d.config,
      secret: d.clientSecret,
      cb: d.callbackSecret,
      dec: d.decryptionKeys.map((k) => k.kid),
      sig: d.signingKid,
      tenant: d.tenantId,
    });
  const keys = new Map<DestinationPoller, string>();

  // Keys are read and checked on every load and reload: a broken one refuses the reload, and the
  // running destinations stay as they are.
  const destinations = ctx.prepare((config) => prepareFitConnect(config));

  const reconcile = () =>
    serial(async () => {
      if (stopped) return;
      const wanted = new Map(destinations().map((d) => [d.config.id, d]));
      const next = new Map<string, DestinationPoller>();
      for (const [id, p] of pollers) {
        const d = wanted.get(id);
        if (d && keyOf(d) === keys.get(p)) next.set(id, p);
        else await p.stop();
      }
      for (const [id, d] of wanted) {
        if (next.has(id)) continue;
        const p = new DestinationPoller(ctx, d, metrics);
        keys.set(p, keyOf(d));
        p.start();
        next.set(id, p);
      }
      pollers = next;
    });

  return {
    routes: callbackRoutes(ctx, metrics, (id) => pollers.get(id)),
    wayBack: fitConnectWayBack(ctx, (id) => {
      const p = pollers.get(id);
      return p && { dest: p.dest, client: p.client };
    }),
    async start() {
      stopped = false;
      await reconcile();
      ctx.onReload(() => reconcile());
    },
    stop: () =>
      serial(async () => {
        stopped = true;
        await Promise.all([...pollers.values()].map((p) => p.stop()));
        pollers = new Map();
      }),
  };
};
