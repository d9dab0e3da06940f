/**
 * A structural diff of two JSON values, one line pair per differing leaf, so that a failing
 * golden case reads as "this field, expected that, got this" rather than two walls of JSON.
 *
 * @example diffJson({ a: { b: 1 } }, { a: { b: 2 } })
 * // [{ path: "a.b", expected: 1, actual: 2 }]
 */
export interface Difference {
  path: string;
  /** `undefined` when the field is missing on that side. */
  expected: unknown;
  actual: unknown;
}

export function diffJson(expected: unknown, actual: unknown, at = ""): Difference[] {
  if (Object.is(expected, actual)) return [];
  const bothArrays = Array.isArray(expected) && Array.isArray(actual);
  const bothObjects = isObject(expected) && isObject(actual);
  if (bothArrays) {
    const out: Difference[] = [];
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) out.push(...diffJson(expected[i], actual[i], `${at}[${i}]`));
    return out;
  }
  if (bothObjects) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    return keys.flatMap((k) => diffJson(expected[k], actual[k], at ? `${at}.${k}` : k));
  }
  return [{ path: at || "(root)", expected, actual }];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const show = (v: unknown) => (v === undefined ? "(missing)" : JSON.stringify(v));

/** Lines as `ozg-hub mappings test` prints them, indented under the case name. */
export function formatDiff(diffs: Difference[], indent = "    "): string[] {
  return diffs.flatMap((d) => [`${indent}${d.path}`, `${indent}  expected: ${show(d.expected)}`, `${indent}  actual:   ${show(d.actual)}`]);
}
