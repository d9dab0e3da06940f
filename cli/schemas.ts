import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { checkContracts, generatedFiles, SCHEMAS_DIR } from "../gateway/events/files.ts";

/**
 * `npm run schemas`: writes the event contract (JSON Schemas and the AsyncAPI document) from the
 * zod definitions into schemas/. Refuses to overwrite a schema with an incompatible change: such
 * a change needs a new version (a new `.vN` type and so a new file beside the old one).
 * `--check` only reports, for CI.
 */
export async function schemasCommand(argv: string[]): Promise<number> {
  const { stale, incompatible } = await checkContracts();
  for (const [file, list] of Object.entries(incompatible)) {
    console.error(`${file}: incompatible with the committed version; give the event type a new version (.vN+1) instead:`);
    for (const i of list) console.error(`  ${i.path}: ${i.change}`);
  }
  if (Object.keys(incompatible).length > 0) return 1;
  if (argv.includes("--check")) {
    for (const f of stale) console.error(`${f}: out of date, run npm run schemas`);
    return stale.length === 0 ? 0 : 1;
  }
  await mkdir(SCHEMAS_DIR, { recursive: true });
  for (const [name, text] of generatedFiles()) {
    if (!stale.includes(name)) continue;
    await writeFile(path.join(SCHEMAS_DIR, name), text);
    console.log(`wrote schemas/${name}`);
  }
  if (stale.length === 0) console.log("schemas/ is up to date");
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  schemasCommand(process.argv.slice(2)).then((code) => process.exit(code));
}
