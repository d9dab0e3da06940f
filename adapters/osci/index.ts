import type { AdapterFactory } from "../../gateway/index.ts";
import { prepareOsci } from "./settings.ts";
import { osciRoutes, storedOsciState } from "./server.ts";
import { osciWayBack } from "./way-back.ts";

/**
 * The OSCI-Transport 1.2 adapter at POST /osci, in two roles: passive recipient of
 * AcceptDelivery / ProcessDelivery pushed by an Intermediär, and Intermediär for ozg-hub's own
 * tenants (GetMessageId, Init/ExitDialog, StoreDelivery, FetchProcessCard). Configured by
 * gateway.yaml `osci`, portals' `osci` and tenants' `osci` sections; without them /osci
 * answers every request with a 9000 fault.
 */
export const osciAdapter: AdapterFactory = (ctx) => {
  // Key files and passphrases are read when the config is (at start and on every reload), so a
  // wrong path or passphrase stops the start or refuses the reload with its reason instead of
  // surfacing at the first OSCI request.
  const settings = ctx.prepare(prepareOsci);
  return { routes: osciRoutes(ctx, settings, storedOsciState(ctx)), wayBack: osciWayBack(settings) };
};
