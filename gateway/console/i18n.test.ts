import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ACTIONS, EVENT_TYPES } from "./lineage-page.ts";
import { fromBerlin, view } from "./i18n.ts";
import { de } from "./locales/de.ts";
import { en } from "./locales/en.ts";
import { REPLAY_KINDS, STATES } from "./pages.ts";

const DIR = path.dirname(fileURLToPath(import.meta.url));
const PLURAL = /_(zero|one|two|few|many|other)$/;

/** Every key of a nested catalogue, dotted; plural forms count once, by their base key. */
function keys(o: Record<string, unknown>, prefix = ""): Set<string> {
  const out = new Set<string>();
  for (const [k, x] of Object.entries(o)) {
    if (x && typeof x === "object") for (const sub of keys(x as Record<string, unknown>, `${prefix}${k}.`)) out.add(sub);
    else out.add(`${prefix}${k.replace(PLURAL, "")}`);
  }
  return out;
}

/** The keys the console's code names literally: t("…") and the key arguments of its error pages. */
async function keysInCode(): Promise<Set<string>> {
  const used = new Set<string>();
  for (const f of await readdir(DIR)) {
    if (!f.endsWith(".ts") || f.endsWith(".test.ts")) continue;
    const src = await readFile(path.join(DIR, f), "utf8");
    for (const m of src.matchAll(/\bt\(\s*"([a-zA-Z][\w.-]*)"/g)) used.add(m[1]!);
    for (const m of src.matchAll(/"((?:problem|login)\.[a-zA-Z]+)"/g)) used.add(m[1]!);
  }
  return used;
}

describe("console message catalogues", () => {
  it("have the same keys in German and English", () => {
    const missingInEn = [...keys(de)].filter((k) => !keys(en).has(k));
    const missingInDe = [...keys(en)].filter((k) => !keys(de).has(k));
    expect({ missingInEn, missingInDe }).toEqual({ missingInEn: [], missingInDe: [] });
  });

  it("hold every key the code uses, and every state, event, action and replay outcome it names", async () => {
    const used = await keysInCode();
    expect(used.size).toBeGreaterThan(100); // the scan finds the pages' keys at all
    for (const s of STATES) used.add(`state.${s}`);
    for (const e of EVENT_TYPES) used.add(`event.${e}`);
    for (const a of ACTIONS) used.add(`action.${a}`);
    for (const r of REPLAY_KINDS) used.add(`replay.${r}`);
    for (const r of ["operator", "viewer"]) used.add(`role.${r}`);
    for (const r of ["24h", "7d"]) used.add(`traffic.range.${r}`);
    for (const r of ["management", "amqp"]) used.add(`broker.source.${r}`);
    for (const [lang, catalogue] of [
      ["de", keys(de)],
      ["en", keys(en)],
    ] as const) {
      expect(
        [...used].filter((k) => !catalogue.has(k)),
        lang,
      ).toEqual([]);
    }
  });

  it("uses every key of the catalogue somewhere (a key nobody shows is a text that went missing)", async () => {
    const src = (
      await Promise.all((await readdir(DIR)).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts")).map((f) => readFile(path.join(DIR, f), "utf8")))
    ).join("\n");
    const used = await keysInCode();
    // Keys reached through a computed name: their prefix appears in the code as `prefix.${…}`.
    const dynamic = [...src.matchAll(/`([a-z]+(?:\.[a-z]+)*)\.\$\{/g)].map((m) => `${m[1]}.`);
    const unused = [...keys(de)].filter((k) => !used.has(k) && !dynamic.some((p) => k.startsWith(p)));
    expect(unused).toEqual([]);
  });

  it("translates, with plurals, and does not fall back to English in German", () => {
    const v = view("de", undefined, "/admin");
    expect(v.t("lineage.attempts", { count: 1 })).toBe("1 Versuch");
    expect(v.t("lineage.attempts", { count: 3 })).toBe("3 Versuche");
    expect(v.t("nav.overview")).toBe("Übersicht");
    expect(view("en", undefined, "/admin").t("nav.overview")).toBe("Overview");
  });

  it("shows times in Berlin with the zone, summer and winter, durations and numbers as Germans write them", () => {
    const v = view("de", undefined, "/admin");
    expect(v.when(new Date("2026-07-01T10:00:00Z"))).toBe("01.07.2026, 12:00:00 MESZ");
    expect(v.when(new Date("2026-12-01T10:00:00.123Z"), true)).toBe("01.12.2026, 11:00:00,123 MEZ");
    // The night of the switch to summer time: 01:59:59 MEZ is followed by 03:00:00 MESZ.
    expect(v.when(new Date("2026-03-29T00:59:59Z"))).toBe("29.03.2026, 01:59:59 MEZ");
    expect(v.when(new Date("2026-03-29T01:00:00Z"))).toBe("29.03.2026, 03:00:00 MESZ");
    const now = new Date("2026-12-07T12:00:00Z");
    expect(v.ago(new Date(now.getTime() - 3 * 60_000), now)).toBe("vor 3 Min.");
    expect(v.ago(new Date(now.getTime() - 2 * 3600_000), now)).toBe("vor 2 Std.");
    expect(v.duration(7500)).toBe("2 Std. 5 Min.");
    expect(v.num(12345.5, 1)).toBe("12.345,5");
    expect(v.bytes(1536)).toBe("1,5 KiB");
    expect(view("en", undefined, "/admin").ago(new Date(now.getTime() - 3 * 60_000), now)).toBe("3 min ago");
  });

  it("reads the search form's times as Berlin wall-clock time on both sides of a switch", () => {
    expect(fromBerlin("2026-03-29T03:30")?.toISOString()).toBe("2026-03-29T01:30:00.000Z");
    expect(fromBerlin("2026-03-29T01:30")?.toISOString()).toBe("2026-03-29T00:30:00.000Z");
    expect(fromBerlin("2026-10-25T12:00")?.toISOString()).toBe("2026-10-25T11:00:00.000Z");
    expect(fromBerlin("2026-12-07T21:00:00Z")?.toISOString()).toBe("2026-12-07T21:00:00.000Z");
    expect(fromBerlin("yesterday")).toBeUndefined();
  });
});
