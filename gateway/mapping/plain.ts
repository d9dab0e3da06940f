/**
 * JSONata results carry `undefined` for absent values and sequence markers on arrays. This
 * copies a result the way a JSON round trip would (absent keys dropped, `undefined` in arrays
 * as null, non-finite numbers as null, markers gone) without serialising it, which cost as much
 * as a small mapping.
 *
 * @example plainJson({ a: undefined, b: [undefined, 1] }) // { b: [null, 1] }
 */
export function plainJson(value: object): Record<string, unknown> {
  return plain(value) as Record<string, unknown>;
}

function plain(v: unknown): unknown {
  if (v === null || typeof v !== "object") {
    // JSON has no -0: a round trip writes it as 0, and so must this copy.
    if (typeof v === "number") return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
    return typeof v === "function" || typeof v === "symbol" || typeof v === "bigint" ? undefined : v;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return plain((v as { toJSON(): unknown }).toJSON());
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = plain(v[i]);
      out[i] = x === undefined ? null : x;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = plain((v as Record<string, unknown>)[k]);
    if (x === undefined) continue;
    // A "__proto__" key from the input stays a key, as JSON.parse keeps it, never a prototype.
    if (k === "__proto__") Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    else out[k] = x;
  }
  return out;
}
