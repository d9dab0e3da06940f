import { createHash } from "node:crypto";
import { formField, formGroup, formTree } from "./form-data.ts";

/**
 * The function library every mapping expression may call, next to JSONata's own.
 * Each returns `undefined` for input it cannot read, so that optional fields simply drop out.
 *
 * | function                   | example                                              |
 * |----------------------------|------------------------------------------------------|
 * | `$isoDate(s)`              | `"24.12.1980"`, `"24. Dezember 1980"`, `"24121980"` → `"1980-12-24"`; ISO input unchanged |
 * | `$isoDateTime(s)`          | `"24.12.2026 13:05"`, `"2026-12-24T13:05:00.0"`, `"20261224130500"` → `"2026-12-24T13:05:00+01:00"` (Europe/Berlin) |
 * | `$leikaKey(s)`             | `"urn:de:fim:leika:leistung:99050012104000"` → `"99050012104000"` |
 * | `$ags(s)`                  | `"1002000"` → `"01002000"`; `"010020000000"` (ARS) → `"01002000"` |
 * | `$ars(s)`                  | `"01002000"` → `"010020000000"` (exact for municipalities outside a Gemeindeverband) |
 * | `$splitName(s)`            | `"Anna Maria Müller"` → `{givenName:"Anna Maria", familyName:"Müller"}`; `"Müller, Anna"` and particles (`"Ursula von der Leyen"` → family `"von der Leyen"`) |
 * | `$joinName(a, b, ...)`     | joins the non-empty parts with one space             |
 * | `$formField(form, names)`  | OZG-Cloud formData: the value of the first field named or labelled like one of `names` (case, umlauts, separators ignored), at any depth |
 * | `$formGroup(form, names)`  | the items of the first group named or labelled so, to search inside it |
 * | `$formTree(form)`          | formData as an object: name → value, groups → objects, repeated names → arrays |
 * | `$sha256(s)`               | hex sha256 of a string's UTF-8 bytes; a delivered file's hash is `$attachments[name = "x.pdf"].sha256` |
 */
export const mappingFunctions = {
  isoDate: { impl: isoDate, signature: "<s-:s>" },
  isoDateTime: { impl: isoDateTime, signature: "<s-:s>" },
  leikaKey: { impl: leikaKey, signature: "<s-:s>" },
  ags: { impl: ags, signature: "<(sn)-:s>" },
  ars: { impl: ars, signature: "<(sn)-:s>" },
  splitName: { impl: splitName, signature: "<s-:o>" },
  joinName: { impl: joinName, signature: "<x+:s>" },
  sha256: { impl: sha256, signature: "<s-:s>" },
  formField: { impl: formField, signature: "<x(sa)+:x>" },
  formGroup: { impl: formGroup, signature: "<x(sa)+:a>" },
  formTree: { impl: formTree, signature: "<x:o>" },
} as const;

const MONTHS = ["jan", "feb", "mär", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "dez"];

/** `undefined` for dates that do not exist (31.02.), so that a typo drops out rather than shifting. */
function validDate(y: string, m: string, d: string): string | undefined {
  // Checked by the calendar rather than through Date, which cost more than the rest of $isoDate.
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return month >= 1 && month <= 12 && day >= 1 && day <= days ? `${y}-${m.padStart(2, "0")}-${d.padStart(2, "0")}` : undefined;
}

export function isoDate(s: string | undefined): string | undefined {
  if (typeof s !== "string") return undefined;
  const t = s.trim();
  const german = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(t);
  if (german) return validDate(german[3]!, german[2]!, german[1]!);
  // Eight digits as XGewerbeanzeige writes them (DDMMYYYY), else YYYYMMDD; only plausible years.
  const compact = /^(\d{2})(\d{2})(\d{4})$/.exec(t);
  if (compact) {
    const ddmm = Number(compact[3]) >= 1800 && Number(compact[3]) < 2200 ? validDate(compact[3]!, compact[2]!, compact[1]!) : undefined;
    const year = Number(t.slice(0, 4));
    return ddmm ?? (year >= 1800 && year < 2200 ? validDate(t.slice(0, 4), t.slice(4, 6), t.slice(6, 8)) : undefined);
  }
  const spelled = /^(\d{1,2})\.?\s+([A-Za-zäÄ]+)\.?\s+(\d{4})$/.exec(t);
  if (spelled) {
    const month = MONTHS.findIndex((m) => spelled[2]!.toLowerCase().startsWith(m)) + 1;
    return month > 0 ? validDate(spelled[3]!, String(month), spelled[1]!) : undefined;
  }
  const iso = /^(\d{4}-\d{2}-\d{2})/.exec(t);
  return iso ? iso[1] : undefined;
}

/**
 * Date-times without an offset are German local time (Europe/Berlin, summer time included), as
 * XÖV messages (`2016-07-04T17:54:42.0`), German forms (`24.12.2026 13:05`) and the 14 digits
 * of DatML (`20160704175442`) write them; ISO strings with an offset pass through.
 */
export function isoDateTime(s: string | undefined): string | undefined {
  if (typeof s !== "string") return undefined;
  const t = s.trim();
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(t)) return t;
  const iso = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/.exec(t);
  const compact = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(t);
  const german = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ ,T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  let parts: [string, string, string, string, string, string] | undefined;
  let fraction = "";
  if (iso) {
    parts = [iso[1]!, iso[2]!, iso[3]!, iso[4]!, iso[5]!, iso[6] ?? "0"];
    // A fraction of zeros (`.0`) says nothing; a real one is kept.
    fraction = iso[7] && /[1-9]/.test(iso[7]) ? iso[7] : "";
  } else if (compact) parts = [compact[1]!, compact[2]!, compact[3]!, compact[4]!, compact[5]!, compact[6]!];
  else if (german) parts = [german[3]!, german[2]!, german[1]!, german[4] ?? "0", german[5] ?? "0", german[6] ?? "0"];
  if (!parts) return undefined;
  const [y, mo, d, h, mi, sec] = parts;
  const day = validDate(y, mo, d);
  if (!day || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return undefined;
  const local = `${day}T${h.padStart(2, "0")}:${mi.padStart(2, "0")}:${sec.padStart(2, "0")}`;
  return `${local}${fraction}${berlinOffset(local)}`;
}

// Building a DateTimeFormat costs ~100 µs, more than a whole mapping should; build it once.
const BERLIN = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", timeZoneName: "longOffset" });

/** Berlin's UTC offset in minutes at an instant. */
function offsetAt(epochMs: number): number {
  const name = BERLIN.formatToParts(new Date(epochMs)).find((p) => p.type === "timeZoneName")?.value ?? "GMT+01:00";
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/**
 * The offset of a Berlin wall-clock time. The offset at the wall-clock time read as UTC can be
 * an hour off on the night of a change (01:30 on the last Sunday of March is still +01:00), so
 * it is looked up again at the instant that first guess gives. A time that does not exist
 * (02:30 when clocks jump) gets the winter offset; one that exists twice, the later one.
 */
function berlinOffset(local: string): string {
  const asUtc = Date.parse(`${local}Z`);
  const minutes = offsetAt(asUtc - offsetAt(asUtc) * 60_000);
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

export function leikaKey(s: string | undefined): string | undefined {
  if (typeof s !== "string") return undefined;
  const m = /(\d{14})\s*$/.exec(s.trim());
  return m ? m[1] : undefined;
}

export function ags(s: string | number | undefined): string | undefined {
  if (s === undefined || s === null) return undefined;
  const digits = String(s).replace(/\D/g, "");
  if (digits.length === 12) return digits.slice(0, 5) + digits.slice(9, 12);
  if (digits.length >= 7 && digits.length <= 8) return digits.padStart(8, "0");
  return undefined;
}

export function ars(s: string | number | undefined): string | undefined {
  if (s === undefined || s === null) return undefined;
  const digits = String(s).replace(/\D/g, "");
  if (digits.length === 12) return digits;
  const a = ags(digits);
  return a ? `${a.slice(0, 5)}0000${a.slice(5)}` : undefined;
}

const PARTICLES = new Set(["von", "vom", "van", "de", "der", "den", "du", "da", "di", "zu", "zum", "zur", "ten", "ter", "le", "la"]);

export function splitName(s: string | undefined): { givenName?: string; familyName?: string } | undefined {
  if (typeof s !== "string" || !s.trim()) return undefined;
  const comma = /^\s*([^,]+),\s*(.+)$/.exec(s);
  if (comma) return { givenName: comma[2]!.trim(), familyName: comma[1]!.trim() };
  const parts = s.trim().split(/\s+/);
  if (parts.length === 1) return { familyName: parts[0] };
  // Name particles belong to the family name: "Ursula von der Leyen" → "von der Leyen".
  let at = parts.length - 1;
  while (at > 1 && PARTICLES.has(parts[at - 1]!)) at--;
  return { givenName: parts.slice(0, at).join(" "), familyName: parts.slice(at).join(" ") };
}

export function joinName(...parts: unknown[]): string {
  let out = "";
  const put = (p: unknown) => {
    const t = typeof p === "string" ? p.trim() : "";
    if (t !== "") out = out === "" ? t : `${out} ${t}`;
  };
  for (const p of parts) {
    if (Array.isArray(p)) for (const q of p) put(q);
    else put(p);
  }
  return out;
}

export function sha256(s: string | undefined): string | undefined {
  return typeof s === "string" ? createHash("sha256").update(s, "utf8").digest("hex") : undefined;
}
