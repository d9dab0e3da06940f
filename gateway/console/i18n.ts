import i18next, { type TFunction } from "i18next";
import type { Context, MiddlewareHandler } from "hono";
import { languageDetector } from "hono/language";
import { de } from "./locales/de.ts";
import { en } from "./locales/en.ts";
import type { Session } from "./session.ts";

/** The console's languages; German first: its users are German municipal operators. */
export const LANGUAGES = ["de", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

/** Operators read every time in the clock of the offices they serve, with the zone named. */
export const TIME_ZONE = "Europe/Berlin";

const LOCALES: Record<Language, string> = { de: "de-DE", en: "en-GB" };

const catalogue = i18next.createInstance();
void catalogue.init({
  resources: { de: { translation: de }, en: { translation: en } },
  lng: "de",
  fallbackLng: false,
  supportedLngs: [...LANGUAGES],
  initAsync: false,
  // hono's html`` escapes every value it inserts; escaping here as well would show &amp;.
  interpolation: { escapeValue: false },
  returnNull: false,
});

/**
 * Picks the language: `?lang=` (the switch in the header, kept in a cookie), then the cookie,
 * then Accept-Language; German when none of them names de or en.
 */
export const detectLanguage: MiddlewareHandler = languageDetector({
  supportedLanguages: [...LANGUAGES],
  fallbackLanguage: "de",
  order: ["querystring", "cookie", "header"],
  lookupQueryString: "lang",
  lookupCookie: "ozg_console_lang",
  caches: ["cookie"],
  cookieOptions: { path: "/admin", sameSite: "Lax", httpOnly: true, maxAge: 365 * 24 * 3600 },
});

/** What every page renders with: the session (if any), the language, its texts and formats. */
export interface View {
  session: Session | undefined;
  lang: Language;
  t: TFunction;
  /** The path of this page, for the language switch. */
  path: string;
  /** A point in time in Europe/Berlin with the zone (MEZ/MESZ); `exact` adds milliseconds. */
  when(d: Date | null | undefined, exact?: boolean): string;
  /** How long ago, as people say it: "vor 3 Min." */
  ago(d: Date, now?: Date): string;
  /** A duration in seconds, rounded to its largest sensible unit: "2 Std. 5 Min.", "1,25 s". */
  duration(seconds: number): string;
  num(n: number, fractionDigits?: number): string;
  bytes(n: number): string;
}

/**
 * The view for a language. Formats are the runtime's Intl (full ICU in Node), so summer and
 * winter time follow the tz database, not an offset of our own.
 *
 * @example
 * const v = view("de", undefined, "/admin");
 * v.when(new Date("2026-07-01T10:00:00Z")); // "01.07.2026, 12:00:00 MESZ"
 */
export function view(lang: Language, session: Session | undefined, path: string): View {
  const locale = LOCALES[lang];
  const base = {
    timeZone: TIME_ZONE,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "short",
  } as const;
  const plain = new Intl.DateTimeFormat(locale, base);
  const exact = new Intl.DateTimeFormat(locale, { ...base, fractionalSecondDigits: 3 });
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto", style: "short" });
  const number = (n: number, digits = 0) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n);
  const unit = (n: number, u: "second" | "minute" | "hour" | "day") =>
    new Intl.NumberFormat(locale, { style: "unit", unit: u, unitDisplay: "short", maximumFractionDigits: u === "second" ? 2 : 0 }).format(n);
  return {
    session,
    lang,
    t: catalogue.getFixedT(lang),
    path,
    when: (d, precise = false) => (d ? (precise ? exact : plain).format(d) : ""),
    ago(d, now = new Date()) {
      const s = (d.getTime() - now.getTime()) / 1000;
      const a = Math.abs(s);
      if (a < 60) return relative.format(Math.round(s), "second");
      if (a < 3600) return relative.format(Math.round(s / 60), "minute");
      if (a < 86_400) return relative.format(Math.round(s / 3600), "hour");
      return relative.format(Math.round(s / 86_400), "day");
    },
    duration(seconds) {
      if (seconds < 60) return unit(seconds, "second");
      const m = Math.floor(seconds / 60);
      if (m < 60) return unit(m, "minute");
      const h = Math.floor(m / 60);
      if (h < 48) return `${unit(h, "hour")}${m % 60 ? ` ${unit(m % 60, "minute")}` : ""}`;
      return unit(Math.floor(h / 24), "day");
    },
    num: number,
    bytes: (n) => (n < 1024 ? `${number(n)} B` : n < 1024 ** 2 ? `${number(n / 1024, 1)} KiB` : `${number(n / 1024 ** 2, 1)} MiB`),
  };
}

/** The view of a request: its language (see `detectLanguage`) and its session. */
export function viewOf(c: Context, session: Session | undefined): View {
  const lang = (LANGUAGES as readonly string[]).includes(c.get("language")) ? (c.get("language") as Language) : "de";
  return view(lang, session, c.req.path);
}

/**
 * A wall-clock time in Berlin (`2026-03-29T02:30` from a datetime-local field) as an instant;
 * a value with its own zone (`Z`, `+01:00`) is taken as it is. The offset is the tz database's
 * for that moment, so the summer-time switch is right on both sides.
 */
export function fromBerlin(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  if (/[zZ]|[+-]\d\d:\d\d$/.test(value)) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  const asUtc = new Date(`${value}Z`);
  if (Number.isNaN(asUtc.getTime())) return undefined;
  const offset = (at: Date) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat("en-US", {
        timeZone: TIME_ZONE,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      })
        .formatToParts(at)
        .map((x) => [x.type, Number(x.value)]),
    );
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(at.getTime() / 1000) * 1000;
  };
  const first = new Date(asUtc.getTime() - offset(asUtc));
  return new Date(asUtc.getTime() - offset(first));
}
