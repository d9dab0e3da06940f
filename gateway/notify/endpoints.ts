import type { Store } from "../store/db.ts";

/** A portal's push way back (webhook, …) as the portal and the console see it. */
export interface PortalEndpointStatus {
  portalId: string;
  channel: string;
  url: string | null;
  /** enabled | disabled (after a notification exhausted its attempts) | not-configured */
  state: string;
  lastError: string | null;
  lastSuccessAt: string | null;
  disabledAt: string | null;
  pending: number;
  failed: number;
}

/**
 * Reading and re-enabling the push ways back of portals, one per (portal, channel).
 *
 * @example
 * const ep = portalEndpoints(store, () => new Date());
 * await ep.enable("formsolutions", "webhook"); // failed notifications are queued again
 */
export function portalEndpoints(store: Store, clock: () => Date) {
  const { sql } = store;
  return {
    /**
     * `url` is where the endpoint is configured; without one the endpoint counts as not
     * configured, unless `configured` says otherwise (ways back whose address is not a URL).
     */
    async status(portalId: string, channel: string, url: string | undefined, configured = url !== undefined): Promise<PortalEndpointStatus> {
      const [e] = await sql<{ state: string; last_error: string | null; last_success_at: string | null; disabled_at: string | null }[]>`
        select state, last_error, to_json(last_success_at)#>>'{}' as last_success_at, to_json(disabled_at)#>>'{}' as disabled_at
          from portal_endpoints where portal_id = ${portalId} and channel = ${channel}`;
      const [n] = await sql<{ pending: number; failed: number }[]>`
        select count(*) filter (where state = 'pending')::int as pending, count(*) filter (where state = 'failed')::int as failed
          from portal_notifications where portal_id = ${portalId} and channel = ${channel}`;
      return {
        portalId,
        channel,
        url: url ?? null,
        state: configured ? (e?.state ?? "enabled") : "not-configured",
        lastError: e?.last_error ?? null,
        lastSuccessAt: e?.last_success_at ?? null,
        disabledAt: e?.disabled_at ?? null,
        pending: n?.pending ?? 0,
        failed: n?.failed ?? 0,
      };
    },

    /** Enables the endpoint and queues its failed notifications again, with fresh attempts. Returns how many. */
    async enable(portalId: string, channel: string): Promise<number> {
      const at = clock().toISOString();
      return sql.begin(async (tx) => {
        await tx`insert into portal_endpoints (portal_id, channel, state) values (${portalId}, ${channel}, 'enabled')
                 on conflict (portal_id, channel) do update set state = 'enabled', disabled_at = null`;
        const rows = await tx`update portal_notifications set state = 'pending', attempts = 0, next_attempt_at = ${at}
                               where portal_id = ${portalId} and channel = ${channel} and state = 'failed' returning id`;
        return rows.length;
      });
    },

    async disabledCount(): Promise<number> {
      const [r] = await sql<{ n: number }[]>`select count(*)::int as n from portal_endpoints where state = 'disabled'`;
      return r?.n ?? 0;
    },
  };
}

export type PortalEndpoints = ReturnType<typeof portalEndpoints>;
