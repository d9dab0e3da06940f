/**
 * A command line a command cannot run, as a value: what was wrong, in words. `main` prints it
 * before that command's usage lines and exits 2, so a typo is named instead of answered with
 * the whole help.
 *
 * @example
 * if (!id) return badUsage("a delivery id or --all-parked is needed");
 */
export interface BadUsage {
  bad: string;
}

export const badUsage = (bad: string): BadUsage => ({ bad });

/**
 * Takes `name <value>` out of `args`; undefined when absent, a BadUsage when the value is
 * missing (the end of the line, or another option).
 */
export function takeOption(args: string[], name: string, what: string): string | undefined | BadUsage {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith("--")) return badUsage(`${name} needs ${what}`);
  args.splice(i, 2);
  return value;
}

/** Takes the flag `name` out of `args`; whether it was there. */
export function takeFlag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
}

/** The first option left in `args` that the command does not know, as a BadUsage. */
export function unknownOption(args: string[]): BadUsage | undefined {
  const left = args.find((a) => a.startsWith("-"));
  return left === undefined ? undefined : badUsage(`unknown option ${left}`);
}

export const isBad = (x: unknown): x is BadUsage => typeof x === "object" && x !== null && "bad" in x;
