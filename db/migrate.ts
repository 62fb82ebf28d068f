import path from "node:path";
import type { Connection } from "./client";

export const MIGRATIONS_FOLDER = path.resolve(process.cwd(), "db/migrations");

/** The PostgreSQL advisory lock (one bigint key) held while migrating: "slipway:migrate". */
export const MIGRATION_LOCK_KEY = 7_365_823_411_207_109n;

/**
 * Applies the committed SQL migrations (drizzle's journal) with the driver of the connection.
 * On PostgreSQL several processes may start at once (web replicas, the standby controller): each
 * waits for a session-level advisory lock on a connection of its own, so one applies the pending
 * migrations and the others then find none left, instead of racing to create the same tables.
 * The lock goes with its session, so a process that dies while migrating does not keep it.
 */
export async function migrateDatabase(connection: Connection, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  if (connection.driver === "pg") {
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    const lock = await (connection.client as import("pg").Pool).connect();
    try {
      await lock.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY.toString()]);
      await migrate(connection.db as never, { migrationsFolder });
    } finally {
      // If unlocking fails, the session is closed instead of going back to the pool still holding the lock.
      const unlocked = await lock.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY.toString()]).then(
        () => true,
        () => false,
      );
      lock.release(!unlocked);
    }
  } else {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(connection.db as never, { migrationsFolder });
  }
}

/**
 * Applies migrations as the tables' owner. On PostgreSQL with SLIPWAY_MIGRATION_DATABASE_URL set,
 * a short-lived connection as that role migrates, and `connection` (the application's role, which
 * must not own the audit trail) is left alone; otherwise `connection` migrates itself (PGlite, or
 * a single-role installation — then `ownsAuditTrail` warns at start).
 */
export async function migrateAsOwner(connection: Connection, migrationUrl = process.env.SLIPWAY_MIGRATION_DATABASE_URL || undefined): Promise<void> {
  if (connection.driver !== "pg" || !migrationUrl) return migrateDatabase(connection);
  const { openConnection } = await import("./client");
  const owner = await openConnection({ url: migrationUrl });
  try {
    await migrateDatabase(owner);
  } finally {
    await owner.close();
  }
}

/** True when the connection's role owns audit_events (PostgreSQL only): it could then rename or rewrite it. */
export async function ownsAuditTrail(connection: Connection): Promise<boolean> {
  if (connection.driver !== "pg") return false;
  const { sql } = await import("drizzle-orm");
  const rows = (await connection.db.execute(sql`select pg_has_role(current_user, tableowner, 'USAGE') as owns from pg_tables where tablename = 'audit_events' and schemaname = current_schema()`)) as unknown as { rows: { owns: boolean }[] };
  return Boolean(rows.rows[0]?.owns);
}
