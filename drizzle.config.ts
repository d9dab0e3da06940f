import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: ["./gateway/store/schema.ts", "./adapters/*/tables.ts"],
  out: "./gateway/store/migrations",
});
