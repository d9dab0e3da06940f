import { afterAll, beforeAll } from "vitest";

/**
 * Starts something (a test hub, an OSCI hub) before the tests of the enclosing `describe` and
 * stops it after them: the set-up most integration test files share. The returned object stands
 * for what `start` gave once it has run, so it is read inside tests and hooks only.
 *
 * @example
 * const hub = startedForSuite(() => startTestHub());
 * it("is healthy", async () => expect((await hub.app.request("/healthz")).status).toBe(200));
 */
export function startedForSuite<T extends { stop(): Promise<void> }>(start: () => Promise<T>): T {
  let value: T | undefined;
  beforeAll(async () => {
    value = await start();
  });
  afterAll(async () => {
    await value?.stop();
  });
  const current = (key: PropertyKey): T => {
    if (value === undefined) throw new Error(`not started yet: read .${String(key)} inside a test or hook`);
    return value;
  };
  return new Proxy({} as T, {
    get(_, key) {
      const v = Reflect.get(current(key), key);
      return typeof v === "function" ? v.bind(value) : v;
    },
    set: (_, key, v) => Reflect.set(current(key), key, v),
  });
}
