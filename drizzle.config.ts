import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  // Adapters declare the tables they own beside their code (e.g. adapters/osci/tables.ts).
  schema: ["./gateway/store/schema.ts", "./adapters/*/tables.ts"],
  out: "./gateway/store/migrations",
});
