import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["adapters/**/*.test.ts", "gateway/**/*.test.ts", "cli/**/*.test.ts", "mappings/**/*.test.ts", "test/**/*.test.ts", "chaos/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    // fast-check seed from FC_SEED (printed on failure), so every property failure replays.
    setupFiles: ["test/support/fast-check.ts"],
    // Integration tests share one Postgres and one RabbitMQ; each file isolates itself by
    // database and name prefix, so files may run in parallel on the two cores.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
