import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gatewaySchema } from "../config/schema.ts";
import { statusNames } from "../status/consumer.ts";
import { asyncApiDocument } from "./asyncapi.ts";
import { incompatibilities, type Incompatibility } from "./compat.ts";
import { EVENT_CONTRACTS, jsonSchemaOf, schemaFileName, schemaText } from "./contracts.ts";

/** The committed contract files: schemas/ at the repository root. */
export const SCHEMAS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../schemas");

/** Every file `npm run schemas` writes, by file name, as text. The AsyncAPI file uses the default names. */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const c of EVENT_CONTRACTS) files.set(schemaFileName(c), schemaText(jsonSchemaOf(c)));
  const defaults = gatewaySchema.parse({});
  files.set("asyncapi.json", schemaText(asyncApiDocument(defaults, statusNames(defaults))));
  return files;
}

export interface ContractCheck {
  /** Files whose committed text differs from the generated one (or that are missing). */
  stale: string[];
  /** Per schema file: changes a consumer of the committed version would not survive. */
  incompatible: Record<string, Incompatibility[]>;
}

/** Compares the generated files with those in `dir`. */
export async function checkContracts(dir = SCHEMAS_DIR): Promise<ContractCheck> {
  const stale: string[] = [];
  const incompatible: Record<string, Incompatibility[]> = {};
  for (const [name, text] of generatedFiles()) {
    const committed = await readFile(path.join(dir, name), "utf8").catch(() => undefined);
    if (committed !== text) stale.push(name);
    if (committed !== undefined && name !== "asyncapi.json") {
      const found = incompatibilities(JSON.parse(committed), JSON.parse(text));
      if (found.length > 0) incompatible[name] = found;
    }
  }
  return { stale, incompatible };
}
