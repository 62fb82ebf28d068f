/**
 * `npm run db:migrate`: applies the committed migrations to the configured database (through the
 * running Slipway's CLI channel when it holds the embedded database: it has applied them already).
 */
import { env } from "@/lib/env";
import { runCliCommand } from "@/lib/server/cli-commands";

const e = env();
const { via } = await runCliCommand("db.migrate", {}, { url: e.DATABASE_URL, dataDir: e.dataDir });
console.log(via === "portal" ? "Migrations applied (by the running Slipway, which holds the embedded database)." : "Migrations applied.");
