import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Sample tokens of config/portals (the config holds only their hashes). */
export const TOKENS = { formsolutions: "formsolutions-dev-token", serviceportal: "serviceportal-dev-token" } as const;

/**
 * Writes a config directory for one test: the sample tenants and portals, with broker names
 * under a prefix of its own so that test files never share a queue.
 */
export async function writeTestConfig(prefix: string, opts: { mappings?: string; gateway?: Record<string, unknown> } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-config-"));
  await cp(path.join(REPO, "config/tenants"), path.join(dir, "tenants"), { recursive: true });
  await cp(path.join(REPO, "config/portals"), path.join(dir, "portals"), { recursive: true });
  const gateway = {
    instance: prefix,
    amqp: { exchange: `${prefix}.applications`, deadLetterExchange: `${prefix}.dead-letter`, queuePrefix: prefix, confirmTimeoutMs: 5000 },
    relay: { batchSize: 200, workers: 2, pollIntervalMs: 200, backoffInitialMs: 100, backoffMaxMs: 1000 },
    mappings: opts.mappings ?? path.join(REPO, "mappings"),
    status: {
      exchange: `${prefix}.status`,
      webhooks: { timeoutMs: 2000, backoffInitialMs: 100, backoffMaxMs: 1000, maxAttempts: 25, pollIntervalMs: 200, batchSize: 20 },
    },
    ...opts.gateway,
  };
  await writeFile(path.join(dir, "gateway.yaml"), stringify(gateway));
  return dir;
}

/** Reads a YAML file, lets `edit` change the document in place, writes it back (a test's config change before a reload). */
export async function editYaml(file: string, edit: (doc: any) => void): Promise<void> {
  const doc = parse(await readFile(file, "utf8"));
  edit(doc);
  await writeFile(file, stringify(doc));
}
