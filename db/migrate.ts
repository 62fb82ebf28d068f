import path from "node:path";
import type { Connection } from "./client";

export const MIGRATIONS_FOLDER = path.resolve(process.cwd(), "db/migrations");

/** Applies the committed SQL migrations (drizzle's journal) with the driver of the connection. */
export async function migrateDatabase(connection: Connection, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  if (connection.driver === "pg") {
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    await migrate(connection.db as never, { migrationsFolder });
  } else {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(connection.db as never, { migrationsFolder });
  }
}
