import fc from "fast-check";

/**
 * Every property-based suite runs with one seed per test run, printed when a property fails
 * (fast-check puts `seed` and `path` into its failure message) and taken from the environment,
 * so that a failure seen once can be replayed exactly:
 *
 *   FC_SEED=-1234567 FC_PATH="12:0:3" npx vitest run gateway/mapping/plain.test.ts
 */
const seed = process.env.FC_SEED !== undefined && process.env.FC_SEED !== "" ? Number(process.env.FC_SEED) : (Date.now() ^ (Math.random() * 0x100000000)) | 0;
if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got "${process.env.FC_SEED}"`);
const path = process.env.FC_PATH || undefined;
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed, ...(path ? { path } : {}) });
