import postgres from "postgres";

/** Rows inserted, updated and deleted so far, per table of the database at `url` (pg_stat_user_tables). */
export type TableRows = Map<string, { ins: number; upd: number; del: number }>;

async function readTableRows(url: string): Promise<TableRows> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ t: string; ins: string; upd: string; del: string }[]>`
      select relname as t, n_tup_ins as ins, n_tup_upd as upd, n_tup_del as del from pg_stat_user_tables`;
    return new Map(rows.map((r) => [r.t, { ins: Number(r.ins), upd: Number(r.upd), del: Number(r.del) }]));
  } finally {
    await sql.end();
  }
}

/** Resolves once the relay has published and settled every delivery (polled every 20 ms). */
export async function relayDone(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (;;) {
      const [r] = await sql<{ open: boolean }[]>`
        select exists (select 1 from outbox where published_at is null and kind = 'amqp')
            or exists (select 1 from deliveries where state = 'routed') as open`;
      if (!r!.open) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await sql.end();
  }
}

const same = (a: TableRows, b: TableRows) => [...a].every(([t, v]) => JSON.stringify(b.get(t)) === JSON.stringify(v)) && a.size === b.size;

/**
 * The counters once they stopped moving: backends report them at the end of a transaction and
 * flush them to the shared statistics at most once a second, and the relay marks rows after the
 * consumer already has them. Exact for a database nobody else writes to.
 */
export async function settledTableRows(url: string): Promise<TableRows> {
  let last = await readTableRows(url);
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 1200));
    const now = await readTableRows(url);
    if (same(now, last)) return now;
    last = now;
  }
  return last;
}

/** Per table with any change: rows inserted, updated and deleted per delivery between two readings. */
export function rowsPerDelivery(before: TableRows, after: TableRows, n: number): { table: string; ins: number; upd: number; del: number }[] {
  const out = [];
  for (const [table, a] of after) {
    const b = before.get(table) ?? { ins: 0, upd: 0, del: 0 };
    const d = { table, ins: (a.ins - b.ins) / n, upd: (a.upd - b.upd) / n, del: (a.del - b.del) / n };
    if (d.ins || d.upd || d.del) out.push(d);
  }
  return out.sort((x, y) => y.ins + y.upd + y.del - (x.ins + x.upd + x.del));
}
