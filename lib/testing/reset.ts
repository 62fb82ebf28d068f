import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";

type Rows = { rows: Record<string, unknown>[] };

/**
 * Puts a test database back to how it was when `snapshotDatabase` looked at it (right after the
 * migrations), so each test builds its own fixtures instead of inheriting an earlier test's:
 * opening and migrating a fresh database takes seconds on PGlite, emptying one takes a fraction.
 *
 * `snapshotDatabase(db)` reads every table of the current schema and remembers the rows the
 * migrations put there; the function it returns empties every table (TRUNCATE … CASCADE, with
 * triggers off for that transaction so the append-only audit tables can be emptied too) and writes
 * the remembered rows back, identity values included; sequences keep counting, so new rows never
 * collide with restored ones. Needs a superuser connection (PGlite's, or the
 * TEST_DATABASE_URL role); throws what PostgreSQL throws otherwise.
 */
export async function snapshotDatabase(db: Db): Promise<() => Promise<void>> {
  const tables = ((await db.execute(sql`select tablename from pg_tables where schemaname = current_schema() order by tablename`)) as unknown as Rows).rows.map((r) => String(r.tablename));
  const seeded: { table: string; json: string }[] = [];
  for (const table of tables) {
    const { rows } = (await db.execute(sql`select coalesce(json_agg(t), '[]'::json)::text as rows from ${sql.identifier(table)} t`)) as unknown as Rows;
    const json = String(rows[0]!.rows);
    if (json !== "[]") seeded.push({ table, json });
  }
  return async () => {
    await db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql.raw(`truncate ${tables.map((t) => `"${t.replace(/"/g, '""')}"`).join(", ")} cascade`));
      for (const { table, json } of seeded) {
        await tx.execute(sql`insert into ${sql.identifier(table)} overriding system value select * from json_populate_recordset(null::${sql.identifier(table)}, ${json}::json)`);
      }
    });
  };
}
