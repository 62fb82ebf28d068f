import { defineConfig } from "drizzle-kit";

// Migrations are generated from db/schema and committed (never `db push`); both drivers apply the
// same SQL files at start-up.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
});
