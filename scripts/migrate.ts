/** `npm run db:migrate`: applies the committed migrations to the configured database. */
import { openConnection } from "@/db/client";
import { migrateAsOwner } from "@/db/migrate";
import { env } from "@/lib/env";

const e = env();
const connection = await openConnection({ url: e.DATABASE_URL, dataDir: e.dataDir });
await migrateAsOwner(connection);
await connection.close();
console.log("Migrations applied.");
