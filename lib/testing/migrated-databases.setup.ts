import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { openConnection } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";

declare module "vitest" {
  export interface ProvidedContext {
    /** A tarball of an in-memory PGlite data directory right after the migrations (PGlite's dumpDataDir). */
    migratedPgliteDump: string;
    /** A migrated database on TEST_DATABASE_URL's server that each test file's database is copied from; "" without a server. */
    migratedPostgresTemplate: string;
  }
}

/**
 * vitest globalSetup: migrates once per run what every service test file would otherwise migrate
 * for itself. Each file's PGlite starts from a dump of a migrated data directory (about 1.5 s of
 * CPU instead of 3–5 s for initdb and the migrations), and each PostgreSQL test database is created
 * from a migrated template (`CREATE DATABASE … TEMPLATE`). lib/testing/databases.ts reads both
 * through `inject`; what it opens is the same schema the migrations make, because it is their output.
 * Made once per vitest process: in watch mode, restart vitest after adding a migration.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-vitest-"));
  let template = "";
  const teardown = async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (serverUrl && template) await adminQuery(serverUrl, `drop database if exists ${template} with (force)`);
  };
  try {
    const dumpPath = path.join(dir, "pglite-migrated.tar");
    const pglite = await openConnection({ memory: true });
    try {
      await migrateDatabase(pglite);
      const dump = await (pglite.client as import("@electric-sql/pglite").PGlite).dumpDataDir("none");
      fs.writeFileSync(dumpPath, Buffer.from(await dump.arrayBuffer()));
    } finally {
      await pglite.close();
    }
    project.provide("migratedPgliteDump", dumpPath);

    if (serverUrl) {
      template = `slipway_test_template_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
      await adminQuery(serverUrl, `create database ${template}`);
      const url = new URL(serverUrl);
      url.pathname = `/${template}`;
      const connection = await openConnection({ url: url.toString() });
      try {
        await migrateDatabase(connection);
      } finally {
        // CREATE DATABASE … TEMPLATE refuses while anyone is connected to the template.
        await connection.close();
      }
    }
    project.provide("migratedPostgresTemplate", template);
  } catch (error) {
    // vitest runs no teardown for a setup that threw: leave no directory or database behind.
    await teardown().catch(() => {});
    throw error;
  }
  return teardown;
}

async function adminQuery(serverUrl: string, statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}
