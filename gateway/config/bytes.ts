import { z } from "zod";

const UNITS: Record<string, number> = { "": 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/**
 * A byte size as a number or a string with a unit, e.g. `40MB`, `250 MiB`.
 * @example byteSize.parse("40MB") // 40_000_000
 */
export const byteSize = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === "number") return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const factor = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || factor === undefined) {
    ctx.addIssue({ code: "custom", message: `expected a byte size like 40MB or 250MiB, got "${value}"` });
    return z.NEVER;
  }
  return Math.round(Number(m[1]) * factor);
});
