import type { Delivered } from "./consumer.ts";
import type { Sent } from "./load.ts";

/** A fault as it happened: when it began, when the harness lifted it. */
export interface FaultWindow {
  what: string;
  start: number;
  end: number;
}

export interface ScenarioFigures {
  scenario: string;
  note: string;
  sent: number;
  /** Applications that needed more than one request (the fault hit the sender). */
  retried: number;
  accepted: number;
  /** Of those, sent via XTA sendMessage (the rest via REST). */
  acceptedXta: number;
  /** Accepted applications that reached every queue they were routed to. */
  delivered: number;
  /** Accepted but missing from at least one expected queue at the end: must be 0. */
  lost: number;
  /** Deliveries of a message id that a queue had already delivered. */
  duplicates: number;
  duplicateRate: number;
  /** Messages in a queue their application was not routed to, or of no application sent: must be 0. */
  misrouted: number;
  /** Longest time from a fault's end until intake answered again and the backlog was delivered. */
  recoverMs: number | undefined;
  faults: number;
  lostIds: string[];
  /** Instances that exited without the harness killing them (restarted, as a supervisor would). */
  crashes: number;
  /** Last answers of the applications that were never accepted, counted by answer. */
  notAccepted: Record<string, number>;
  /** A few of the wrongly routed deliveries, to find them. */
  misroutedSamples: string[];
}

/**
 * Compares what the sender was told (accepted) with what the subscribers got. Every accepted
 * application must arrive in each queue it was routed to; nothing may arrive anywhere else.
 */
export function figures(scenario: string, note: string, sent: Sent[], delivered: Delivered[], faults: FaultWindow[]): ScenarioFigures {
  const bySource = new Map(sent.map((s) => [s.sourceId, s]));
  const firstAt = new Map<string, number>(); // `${queue} ${sourceId}` -> first delivery time
  const seen = new Set<string>();
  let duplicates = 0;
  let misrouted = 0;
  const misroutedSamples: string[] = [];
  for (const d of delivered) {
    const key = `${d.queue} ${d.messageId}`;
    if (seen.has(key)) duplicates++;
    seen.add(key);
    const s = bySource.get(d.sourceId);
    if (!s || !s.expect.includes(d.queue) || d.tenant !== s.tenant) {
      misrouted++;
      if (misroutedSamples.length < 5)
        misroutedSamples.push(
          `${d.messageId} in ${d.queue}: sourceId "${d.sourceId}", tenant "${d.tenant}"${s ? `, expected ${s.expect.join(" + ")}` : ", sent by nobody"}`,
        );
    }
    const k = `${d.queue} ${d.sourceId}`;
    if (!firstAt.has(k)) firstAt.set(k, d.at);
  }
  const accepted = sent.filter((s) => s.acceptedAt !== undefined);
  const lostIds: string[] = [];
  let complete = 0;
  for (const s of accepted) {
    if (s.expect.every((q) => firstAt.has(`${q} ${s.sourceId}`))) complete++;
    else lostIds.push(s.sourceId);
  }
  // Recovery per fault: intake answers 2xx again, and all that was accepted before is delivered.
  let recoverMs: number | undefined;
  for (const f of faults) {
    const firstAccept = Math.min(...accepted.map((s) => s.acceptedAt!).filter((t) => t >= f.end));
    const backlog = accepted.filter((s) => s.acceptedAt! < f.end).flatMap((s) => s.expect.map((q) => firstAt.get(`${q} ${s.sourceId}`) ?? Infinity));
    const done = Math.max(Number.isFinite(firstAccept) ? firstAccept : f.end, ...backlog, f.end);
    if (Number.isFinite(done)) recoverMs = Math.max(recoverMs ?? 0, done - f.end);
  }
  return {
    scenario,
    note,
    sent: sent.length,
    retried: sent.filter((s) => s.attempts > 1).length,
    accepted: accepted.length,
    acceptedXta: accepted.filter((s) => s.channel === "xta").length,
    delivered: complete,
    lost: lostIds.length,
    duplicates,
    duplicateRate: delivered.length === 0 ? 0 : duplicates / delivered.length,
    misrouted,
    recoverMs,
    faults: faults.length,
    lostIds: lostIds.slice(0, 20),
    misroutedSamples,
    crashes: 0,
    notAccepted: sent
      .filter((x) => x.acceptedAt === undefined)
      .reduce<Record<string, number>>((m, x) => ((m[x.lastStatus || "not sent"] = (m[x.lastStatus || "not sent"] ?? 0) + 1), m), {}),
  };
}

export function printTable(rows: ScenarioFigures[], out: (line: string) => void = console.log): void {
  const head = [
    "scenario",
    "faults",
    "sent",
    "retried",
    "accepted",
    "of them XTA",
    "delivered",
    "lost",
    "duplicates",
    "dup rate",
    "misrouted",
    "crashes",
    "recover",
  ];
  const cells = rows.map((r) => [
    r.scenario,
    String(r.faults),
    String(r.sent),
    String(r.retried),
    String(r.accepted),
    String(r.acceptedXta),
    String(r.delivered),
    String(r.lost),
    String(r.duplicates),
    `${(r.duplicateRate * 100).toFixed(2)}%`,
    String(r.misrouted),
    String(r.crashes),
    r.recoverMs === undefined ? "-" : `${(r.recoverMs / 1000).toFixed(1)} s`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join("  ");
  out(line(head));
  for (const c of cells) out(line(c));
  for (const r of rows) {
    if (r.note) out(`  ${r.scenario}: ${r.note}`);
    if (r.crashes > 0) out(`  ${r.scenario}: ${r.crashes} CRASH(ES): an instance exited without being killed and was restarted`);
    const na = Object.entries(r.notAccepted);
    if (na.length > 0) out(`  ${r.scenario}: not accepted (last answer: count) ${na.map(([k, v]) => `${k}: ${v}`).join(", ")}`);
    for (const m of r.misroutedSamples) out(`  ${r.scenario}: MISROUTED ${m}`);
    if (r.lost > 0) out(`  ${r.scenario}: LOST ${r.lostIds.join(", ")}${r.lost > r.lostIds.length ? " ..." : ""}`);
  }
}
