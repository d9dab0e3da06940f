import type { HubConfig } from "../config/load.ts";
import type { SubscriberConfig, TenantConfig } from "../config/schema.ts";
import type { TransportRecipient } from "../contract.ts";
import type { Application } from "../mapping/canonical.ts";

export type RouteOutcome =
  /** `warning`: the document names a recipient that is no tenant's; the transport's tenant took it. */
  { ok: true; tenant: TenantConfig; subscribers: SubscriberConfig[]; warning?: string } | { ok: false; tenantId?: string; message: string };

type Address = Partial<Record<"organisationUnitId" | "xtaReader" | "ars" | "ags", string>>;

/**
 * Finds the one tenant responsible for an application and the subscribers that want it.
 *
 * The recipient is matched by its most specific identifier first: organisation unit
 * (zuständige Stelle), then transport reader (`xtaReader`), then ARS, then AGS. Anything that finds no tenant, or
 * a tenant the portal may not deliver to, or no subscriber, is parked by the caller.
 *
 * The transport recipient decides (the OSCI Reader key that opened the content, the XTA
 * Reader, the FIT-Connect destination): when it names a tenant, a document naming another one
 * is parked ("addressed to kiel, document names augsburg") and a document naming no known
 * tenant goes to the transport's tenant with a warning. The document's own claim is what its
 * recipient says beyond the transport's fields (the mapping fills absent fields from them).
 */
export class Router {
  private readonly byOu = new Map<string, TenantConfig>();
  private readonly byReader = new Map<string, TenantConfig>();
  private readonly byArs = new Map<string, TenantConfig>();
  private readonly byAgs = new Map<string, TenantConfig>();

  constructor(private readonly config: HubConfig) {
    for (const t of config.tenants) {
      for (const ou of t.organisationUnitIds) this.byOu.set(ou, t);
      for (const r of t.xtaReaders) this.byReader.set(r, t);
      if (t.ars) this.byArs.set(t.ars, t);
      if (t.ags) this.byAgs.set(t.ags, t);
    }
  }

  tenant(id: string): TenantConfig | undefined {
    return this.config.tenants.find((t) => t.id === id);
  }

  private lookup(r: Address): TenantConfig | undefined {
    return (
      (r.organisationUnitId && this.byOu.get(r.organisationUnitId)) ||
      (r.xtaReader && this.byReader.get(r.xtaReader)) ||
      (r.ars && this.byArs.get(r.ars)) ||
      (r.ags && this.byAgs.get(r.ags)) ||
      undefined
    );
  }

  route(app: Application, portalId: string, transport?: TransportRecipient): RouteOutcome {
    const r = app.recipient;
    const addressed = transport && (transport.tenant !== undefined ? this.tenant(transport.tenant) : this.lookup(transport));
    let tenant = addressed ?? this.lookup(r);
    let warning: string | undefined;
    if (addressed) {
      const own = Object.fromEntries(
        Object.entries(r).filter(([k, v]) => typeof v === "string" && v !== (transport as Address)[k as keyof Address]),
      ) as Address;
      const claimed = this.lookup(own);
      if (claimed && claimed.id !== addressed.id)
        return { ok: false, tenantId: addressed.id, message: `addressed to ${addressed.id}, document names ${claimed.id}` };
      if (!claimed && Object.keys(own).length > 0)
        warning = `the document names recipient ${JSON.stringify(own)}, which is no tenant's; delivered to ${addressed.id}, whom the transport addressed`;
      tenant = addressed;
    }
    if (!tenant) {
      return { ok: false, message: `no tenant for recipient ${JSON.stringify(r)}` };
    }
    const portal = this.config.portals.find((p) => p.id === portalId);
    if (portal?.tenants && !portal.tenants.includes(tenant.id)) {
      return { ok: false, tenantId: tenant.id, message: `portal ${portalId} may not deliver to tenant ${tenant.id}` };
    }
    const subscribers = tenant.subscribers.filter((s) => wants(s, app));
    if (subscribers.length === 0) {
      return {
        ok: false,
        tenantId: tenant.id,
        message: `no subscriber of tenant ${tenant.id} takes ${app.sourceFormat} / ${app.service.leikaKeys.join(",") || "no LeiKa key"}`,
      };
    }
    return { ok: true, tenant, subscribers, ...(warning ? { warning } : {}) };
  }
}

function wants(s: SubscriberConfig, app: Application): boolean {
  const { leikaKeys, formats } = s.filter;
  if (formats && !formats.includes(app.sourceFormat)) return false;
  if (leikaKeys && !app.service.leikaKeys.some((k) => leikaKeys.includes(k))) return false;
  return true;
}
