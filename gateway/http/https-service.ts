import type { Hono } from "hono";
import type { AdapterContext } from "../contract.ts";
import type { HubConfig } from "../config/load.ts";
import { listenHttps, prepareHttps, type HttpsListener, type HttpsSettings, type PreparedHttps } from "./https-listener.ts";

/**
 * An adapter's own HTTPS listener that follows config reloads. Its prepare step reads and
 * checks the certificate files on every load and reload (a broken one refuses the reload); an
 * applied reload swaps the certificate in for new connections while open ones finish with the
 * old. Only the address needs a restart, which is logged.
 *
 * @example
 * const listener = httpsService(ctx, routes, (config) => ({ at: ["rest", "https"], https: config.gateway.rest?.https, use: "TLS: REST HTTPS listener" }));
 * // in the adapter's start() and stop():
 * await listener.start(); await listener.stop();
 */
export function httpsService(
  ctx: AdapterContext,
  routes: Hono,
  section: (config: HubConfig) => { at: string[]; https: HttpsSettings | undefined; use: string },
): { start(): Promise<void>; stop(): Promise<void>; port(): number | undefined } {
  const settings = ctx.prepare<PreparedHttps | undefined>((config) => {
    const { at, https, use } = section(config);
    if (!https) return { ok: true, settings: undefined };
    const prepared = prepareHttps(config, at, https);
    return prepared.ok ? { ...prepared, certificates: [{ use, file: https.certFile }] } : prepared;
  });
  let listener: HttpsListener | undefined;
  let following = false;
  const follow = () => {
    const s = settings();
    if (!listener) return;
    if (!s || s.port !== listener.address.port || s.host !== listener.address.host) {
      ctx.log.warn(
        { listening: listener.address, configured: s ? { port: s.port, host: s.host } : null },
        "HTTPS listener address changed: takes effect at the next restart",
      );
    }
    if (s) listener.setSecureContext(s.tls);
  };
  return {
    async start() {
      const s = settings();
      if (s) listener = await listenHttps(routes, s);
      if (!following) ctx.onReload(follow);
      following = true;
    },
    async stop() {
      await listener?.close();
      listener = undefined;
    },
    port: () => listener?.port,
  };
}
