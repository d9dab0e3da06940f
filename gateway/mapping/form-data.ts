/**
 * OZG-Cloud formData as portals fill it: a tree of items `{ name, label, formItems | stringValue
 * | numberValue | dateValue | booleanValue }`. Portals name the same field differently
 * (`nachname`, `Nachname`, `Familienname`, `pers_nachname`; groups `antragsteller` or
 * `Antragstellende Person`), so fields are found by name or label, ignoring case, umlaut
 * spelling and separators, at any depth.
 */
interface FormItem {
  name?: unknown;
  label?: unknown;
  formItems?: unknown;
  stringValue?: unknown;
  numberValue?: unknown;
  dateValue?: unknown;
  booleanValue?: unknown;
}

/**
 * The key two spellings of a field share: `Straße` = `strasse` = `STRASSE`, `E-Mail` = `email`,
 * `Zuständige Stelle` = `zustaendige_stelle`.
 *
 * @example normalKey("Geschäfts-Bezeichnung") // "geschaeftsbezeichnung"
 */
export function normalKey(s: string): string {
  let key = normalKeys.get(s);
  if (key === undefined) {
    // Forms of one portal repeat the same names and labels; a bound keeps odd input from filling memory.
    if (normalKeys.size >= 10_000) normalKeys.clear();
    normalKeys.set(s, (key = normalize(s)));
  }
  return key;
}

const normalKeys = new Map<string, string>();

function normalize(s: string): string {
  return s
    .toLowerCase()
    .replace(/ä/g, "ae")
    .replace(/ö/g, "oe")
    .replace(/ü/g, "ue")
    .replace(/ß/g, "ss")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]/g, "");
}

function items(v: unknown): FormItem[] {
  if (Array.isArray(v)) return v.filter((x): x is FormItem => typeof x === "object" && x !== null);
  return typeof v === "object" && v !== null ? [v as FormItem] : [];
}

function valueOf(item: FormItem): unknown {
  for (const k of ["stringValue", "numberValue", "dateValue", "booleanValue"] as const) if (item[k] !== undefined) return item[k];
  return undefined;
}

function matches(item: FormItem, keys: Set<string>): boolean {
  return (typeof item.name === "string" && keys.has(normalKey(item.name))) || (typeof item.label === "string" && keys.has(normalKey(item.label)));
}

/** Breadth first, so that a field of the group itself wins over one of a nested group. */
function find(root: unknown, names: string[], want: "group" | "field"): FormItem | undefined {
  const keys = new Set(
    names
      .flat()
      .filter((n) => typeof n === "string" && n !== "")
      .map(normalKey),
  );
  let level = items(root);
  while (level.length > 0) {
    const hit = level.find((i) => matches(i, keys) && (want === "group" ? i.formItems !== undefined : valueOf(i) !== undefined));
    if (hit) return hit;
    level = level.flatMap((i) => items(i.formItems));
  }
  return undefined;
}

/**
 * The value of the first field named or labelled like one of `names`, at any depth of `form`
 * (the formData array or a group's formItems).
 *
 * @example formField(formData, "nachname", "Familienname") // "Größe-Möller"
 */
export function formField(form: unknown, ...names: (string | string[])[]): unknown {
  const hit = find(form, names.flat(), "field");
  return hit ? valueOf(hit) : undefined;
}

/** The items of the first group named or labelled like one of `names`, at any depth. */
export function formGroup(form: unknown, ...names: (string | string[])[]): FormItem[] | undefined {
  const hit = find(form, names.flat(), "group");
  return hit ? items(hit.formItems) : undefined;
}

/**
 * The form as an object: item name → value, groups → objects, and a name that occurs more than
 * once in one group (two `gesellschafter`) → an array of all of them, in order.
 *
 * @example formTree([{ name: "g", formItems: [{ name: "a", stringValue: "1" }] }, { name: "g", formItems: [] }])
 * // { g: [{ a: "1" }, {}] }
 */
export function formTree(form: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const counts = new Map<string, number>();
  const list = items(form);
  for (const i of list) if (typeof i.name === "string") counts.set(i.name, (counts.get(i.name) ?? 0) + 1);
  for (const i of list) {
    if (typeof i.name !== "string") continue;
    const value = i.formItems !== undefined ? formTree(i.formItems) : valueOf(i);
    if (value === undefined) continue;
    if ((counts.get(i.name) ?? 0) > 1) ((out[i.name] ??= []) as unknown[]).push(value);
    else Object.defineProperty(out, i.name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
