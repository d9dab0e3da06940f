import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse, stringify } from "yaml";
import { sha256Hex } from "../../gateway/index.ts";
import type { TestHub } from "../support/hub.ts";

/** Tokens of the tenants' systems and of the operator, as the tests hand them out. */
export const TENANT_TOKENS = { kiel: "kiel-systems-test-token", augsburg: "augsburg-systems-test-token" } as const;
export const ADMIN_TOKEN = "operator-test-token";

/**
 * Gives the test hub's tenants API tokens and the gateway an admin token (only their hashes go
 * into the files, as in production) and reloads the config, the way an operator would.
 */
export async function addCredentials(hub: TestHub): Promise<void> {
  for (const [tenant, token] of Object.entries(TENANT_TOKENS)) {
    const file = path.join(hub.configDir, "tenants", `${tenant}.yaml`);
    const doc = parse(await readFile(file, "utf8"));
    doc.api = { tokenSha256: [sha256Hex(token)] };
    await writeFile(file, stringify(doc));
  }
  const gw = path.join(hub.configDir, "gateway.yaml");
  const doc = parse(await readFile(gw, "utf8"));
  doc.admin = { tokenSha256: [sha256Hex(ADMIN_TOKEN)] };
  await writeFile(gw, stringify(doc));
  const r = await hub.services.reload();
  if (!r.ok) throw new Error(`test config rejected: ${JSON.stringify(r.problems)}`);
}

/** Waits (up to 10 s) until the relay published every outbox row, so that row counts stand still. */
export async function allPublished(hub: TestHub): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [r] = await hub.services.store.sql<{ n: number }[]>`select count(*)::int as n from outbox where published_at is null`;
    if (r!.n === 0) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error("outbox not published within 10 s");
}
