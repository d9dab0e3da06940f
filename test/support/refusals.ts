import { expect } from "vitest";
import { rowCounts } from "./database.ts";
import type { TestHub } from "./hub.ts";

/**
 * Sends a REST request that must be refused and checks the refusal as a portal meets it: the
 * status, an RFC 9457 problem of the given type, and every table of the store unchanged.
 * Returns the problem body for further checks.
 */
export async function expectRefused(hub: TestHub, path: string, init: RequestInit, status: number, type: string): Promise<Record<string, any>> {
  const before = await rowCounts(hub.databaseUrl);
  const res = await hub.app.request(path, init);
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = await res.json();
  expect(body.type).toBe(`urn:ozg-hub:problem:${type}`);
  expect(body.status).toBe(status);
  expect(await rowCounts(hub.databaseUrl)).toEqual(before);
  return body;
}
