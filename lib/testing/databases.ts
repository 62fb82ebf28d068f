import { randomBytes } from "node:crypto";
import fs from "node:fs";
import pg from "pg";
import { inject } from "vitest";
import { openConnection, type Connection } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";

/**
 * The databases every service test runs on: embedded PGlite always, and a real PostgreSQL server
 * when TEST_DATABASE_URL is set (CI sets it). Each test file gets a fresh, migrated database; on the
 * server that is a throwaway database created for the run and dropped afterwards. Both start from
 * what lib/testing/migrated-databases.setup.ts migrated once for the run (a PGlite dump, a
 * PostgreSQL template), or migrate themselves when the file runs without that setup.
 */
export interface TestDatabase {
  name: "pglite" | "postgres";
  open(): Promise<Connection & { url?: string }>;
}

const serverUrl = process.env.TEST_DATABASE_URL;

if (!serverUrl && !process.env.SLIPWAY_QUIET_TEST_DB) {
  console.warn("[tests] TEST_DATABASE_URL is not set: service tests run on PGlite only (CI runs them on PostgreSQL too).");
  process.env.SLIPWAY_QUIET_TEST_DB = "1";
}

async function openPglite(): Promise<Connection> {
  const dump = inject("migratedPgliteDump");
  if (dump && fs.existsSync(dump)) return openConnection({ memory: true, loadDataDir: new Blob([fs.readFileSync(dump)]) });
  const connection = await openConnection({ memory: true });
  await migrateDatabase(connection);
  return connection;
}

async function openPostgres(): Promise<Connection & { url: string }> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const name = `slipway_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const template = inject("migratedPostgresTemplate");
  try {
    await admin.query(template ? `create database ${name} template ${template}` : `create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  const connection = await openConnection({ url: url.toString() });
  if (!template) await migrateDatabase(connection);
  return {
    ...connection,
    url: url.toString(),
    close: async () => {
      await connection.close();
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

export const testDatabases: TestDatabase[] = [{ name: "pglite", open: openPglite }, ...(serverUrl ? [{ name: "postgres" as const, open: openPostgres }] : [])];
