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

/**
 * A field's value: the first value member that is set. Portals that write nulls (Jackson's
 * default) send all four with three of them null, so null counts as absent unless all are null.
 */
function valueOf(item: FormItem): unknown {
  let empty: null | undefined;
  for (const k of ["stringValue", "numberValue", "dateValue", "booleanValue"] as const) {
    const v = item[k];
    if (v !== undefined && v !== null) return v;
    if (v === null) empty = null;
  }
  return empty;
}

/** A group is an item with form items; `"formItems": null` marks a field, as an absent member does. */
const isGroup = (item: FormItem): boolean => item.formItems !== undefined && item.formItems !== null;

/**
 * The normal keys of the names a mapping asks for. A mapping asks with the same few lists over
 * and over (some hundred searches per application), so each list is normalised once; lists are
 * found again string by string, which needs no key built per search.
 */
function keysOf(names: unknown[]): readonly string[] {
  const list: string[] = [];
  collect(names, list, 2);
  let node = keyLists;
  for (const s of list) {
    let next = node.next.get(s);
    if (next === undefined) {
      // A bound keeps names from documents or configs from filling memory.
      if (++keyListNodes > 10_000) {
        keyLists = { next: new Map() };
        keyListNodes = 0;
        return distinctKeys(list);
      }
      node.next.set(s, (next = { next: new Map() }));
    }
    node = next;
  }
  return (node.keys ??= distinctKeys(list));
}

function distinctKeys(names: string[]): string[] {
  return [...new Set(names.map(normalKey))];
}

interface KeyList {
  next: Map<string, KeyList>;
  keys?: readonly string[];
}

let keyLists: KeyList = { next: new Map() };
let keyListNodes = 0;

/** The non-empty strings of `v`, looking `depth` levels into arrays (as `flat()` twice would). */
function collect(v: unknown[], out: string[], depth: number): void {
  for (const x of v) {
    if (typeof x === "string") {
      if (x !== "") out.push(x);
    } else if (depth > 0 && Array.isArray(x)) collect(x, out, depth - 1);
  }
}

function matches(item: FormItem, keys: readonly string[]): boolean {
  return (typeof item.name === "string" && keys.includes(normalKey(item.name))) || (typeof item.label === "string" && keys.includes(normalKey(item.label)));
}

/** Breadth first, so that a field of the group itself wins over one of a nested group. */
function find(root: unknown, names: unknown[], want: "group" | "field"): FormItem | undefined {
  const keys = keysOf(names);
  if (keys.length === 0) return undefined;
  let level: readonly unknown[] = Array.isArray(root) ? root : [root];
  while (level.length > 0) {
    for (const x of level) {
      if (typeof x !== "object" || x === null) continue;
      const i = x as FormItem;
      if (matches(i, keys) && (want === "group" ? isGroup(i) : valueOf(i) !== undefined)) return i;
    }
    const next: unknown[] = [];
    for (const x of level) {
      if (typeof x !== "object" || x === null) continue;
      const inner = (x as FormItem).formItems;
      if (Array.isArray(inner)) for (const y of inner) next.push(y);
      else if (typeof inner === "object" && inner !== null) next.push(inner);
    }
    level = next;
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
  const hit = find(form, names, "field");
  return hit ? valueOf(hit) : undefined;
}

/** The items of the first group named or labelled like one of `names`, at any depth. */
export function formGroup(form: unknown, ...names: (string | string[])[]): FormItem[] | undefined {
  const hit = find(form, names, "group");
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
    const value = isGroup(i) ? formTree(i.formItems) : valueOf(i);
    if (value === undefined) continue;
    if ((counts.get(i.name) ?? 0) > 1) ((out[i.name] ??= []) as unknown[]).push(value);
    else Object.defineProperty(out, i.name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
