import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderClusterManifests, renderManifests } from "./render.ts";

/** `node --import tsx deploy/generate.ts`: writes deploy/ozg-hub.yaml from config/ and mappings/, and the cluster variant deploy/ozg-hub-cluster.yaml. */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const file = path.join(repo, "deploy", "ozg-hub.yaml");
await writeFile(file, await renderManifests(repo));
console.log(`wrote ${path.relative(repo, file)}`);
const cluster = path.join(repo, "deploy", "ozg-hub-cluster.yaml");
await writeFile(cluster, renderClusterManifests());
console.log(`wrote ${path.relative(repo, cluster)}`);
