import { html } from "hono/html";
import type { Store } from "../store/db.ts";
import { barChart, type Series } from "./charts.ts";
import type { View } from "./i18n.ts";
import { page, type Html } from "./layout.ts";

export type Range = "24h" | "7d";
const HOURS: Record<Range, number> = { "24h": 24, "7d": 168 };

export interface SubscriberTraffic {
  tenant: string;
  subscriber: string;
  /** Messages for this subscriber per hour (outbox rows created). */
  created: Series;
  /** Messages not yet confirmed by the broker at the end of each hour. */
  backlog: Series;
}

export interface Traffic {
  range: Range;
  subscribers: SubscriberTraffic[];
  /** Deliveries parked per hour (at intake or by a failed replay). */
  parked: Series;
  /** Mean seconds from outbox row to broker confirm, per hour of the confirm. */
  lag: Series;
}

const time = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));

/**
 * Hourly figures over the last 24 hours or 7 days, from the outbox's and the timeline's own
 * timestamps (nothing is sampled), for every configured subscriber, also those without traffic.
 */
export async function traffic(store: Store, now: Date, range: Range, configured: { tenant: string; subscriber: string }[]): Promise<Traffic> {
  const { sql } = store;
  const hours = HOURS[range];
  const end = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000 + 3_600_000);
  const start = new Date(end.getTime() - hours * 3_600_000);
  const at = Array.from({ length: hours }, (_, i) => new Date(start.getTime() + i * 3_600_000));
  const index = (t: unknown) => Math.round((time(t).getTime() - start.getTime()) / 3_600_000);
  const buckets = sql`select generate_series(${start.toISOString()}::timestamptz, ${end.toISOString()}::timestamptz - interval '1 hour', interval '1 hour') as t`;
  const [rows, parked, lag] = await Promise.all([
    sql`with b as (${buckets})
      select o.tenant_id, o.subscriber_id, b.t,
             count(*) filter (where o.created_at >= b.t and o.created_at < b.t + interval '1 hour')::int as created,
             count(*) filter (where o.created_at < b.t + interval '1 hour' and (o.published_at is null or o.published_at >= b.t + interval '1 hour'))::int as backlog
      from b cross join (select tenant_id, subscriber_id, created_at, published_at from outbox
                         where created_at < ${end.toISOString()} and (published_at is null or published_at >= ${start.toISOString()})) o
      group by 1, 2, 3`,
    sql`select date_trunc('hour', at) as t, count(*)::int as n from events
        where type = 'parked' and at >= ${start.toISOString()} and at < ${end.toISOString()} group by 1`,
    sql`select date_trunc('hour', published_at) as t, extract(epoch from avg(published_at - created_at))::float8 as s from outbox
        where published_at >= ${start.toISOString()} and published_at < ${end.toISOString()} group by 1`,
  ]);
  const zero = () => ({ at, values: at.map(() => 0) });
  const byKey = new Map<string, SubscriberTraffic>();
  for (const c of configured) byKey.set(`${c.tenant}/${c.subscriber}`, { ...c, created: zero(), backlog: zero() });
  for (const r of rows) {
    const key = `${r.tenant_id}/${r.subscriber_id}`;
    if (!byKey.has(key)) byKey.set(key, { tenant: r.tenant_id, subscriber: r.subscriber_id, created: zero(), backlog: zero() });
    const s = byKey.get(key)!;
    s.created.values[index(r.t)] = r.created;
    s.backlog.values[index(r.t)] = r.backlog;
  }
  const series = (list: readonly Record<string, unknown>[], field: string) => {
    const s = zero();
    for (const r of list) {
      const i = index(r.t);
      if (i >= 0 && i < hours) s.values[i] = Number(r[field]);
    }
    return s;
  };
  return { range, subscribers: [...byKey.values()], parked: series(parked, "n"), lag: series(lag, "s") };
}

const sum = (s: Series) => s.values.reduce((a, b) => a + b, 0);

export function trafficPage(v: View, tr: Traffic): Html {
  const { t } = v;
  const hourLabel = (d: Date) =>
    new Intl.DateTimeFormat(v.lang === "de" ? "de-DE" : "en-GB", {
      timeZone: "Europe/Berlin",
      ...(tr.range === "7d" ? { weekday: "short", hour: "2-digit", minute: "2-digit" } : { hour: "2-digit", minute: "2-digit" }),
    }).format(d);
  const count = (n: number) => v.num(n);
  const chart = (id: string, title: string, s: Series, color?: string, value = count) =>
    barChart(s, { id, title, label: hourLabel, value, ...(color ? { color } : {}), width: 520, height: 110 });
  return page(
    v,
    t("traffic.title"),
    html`<p id="ranges">
        ${(["24h", "7d"] as const).map((r) =>
          r === tr.range ? html`<strong>${t(`traffic.range.${r}`)}</strong> ` : html`<a href="/admin/traffic?range=${r}">${t(`traffic.range.${r}`)}</a> `,
        )}
        <span class="muted">${t("traffic.zone")}</span>
      </p>
      <div class="charts">
        ${chart("parked-chart", t("traffic.parked"), tr.parked, "#9a6700")} ${chart("lag-chart", t("traffic.lag"), tr.lag, "#687685", (n) => v.duration(n))}
      </div>
      <table id="traffic">
        <tr>
          <th>${t("col.tenant")} / ${t("col.subscriber")}</th>
          <th class="n">${t("traffic.total")}</th>
          <th>${t("traffic.perHour")}</th>
          <th>${t("traffic.backlog")}</th>
        </tr>
        ${tr.subscribers.map(
          (s) =>
            html`<tr data-subscriber="${s.tenant}/${s.subscriber}">
              <td>${s.tenant} / ${s.subscriber}</td>
              <td class="n total">${v.num(sum(s.created))}</td>
              <td>${chart(`created-${s.tenant}-${s.subscriber}`, t("traffic.perHour"), s.created)}</td>
              <td>${chart(`backlog-${s.tenant}-${s.subscriber}`, t("traffic.backlog"), s.backlog, "#b3261e")}</td>
            </tr>`,
        )}
      </table>`,
  );
}
