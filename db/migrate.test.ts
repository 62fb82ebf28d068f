import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openConnection } from "./client";
import { MIGRATIONS_FOLDER, migrateDatabase } from "./migrate";

// Several Slipway processes start at once on an empty PostgreSQL database (web replicas and the
// two controllers of deploy/kubernetes): the migrations must be applied once, not raced.
const serverUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!serverUrl)("migrations on PostgreSQL", () => {
  it("are applied once when several processes migrate the same empty database at the same time", async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    const name = `slipway_test_migrate_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
    await admin.query(`create database ${name}`);
    const url = new URL(serverUrl!);
    url.pathname = `/${name}`;
    const connections = await Promise.all([1, 2, 3, 4].map(() => openConnection({ url: url.toString() })));
    try {
      const results = await Promise.allSettled(connections.map((connection) => migrateDatabase(connection)));
      expect(results.map((r) => (r.status === "rejected" ? String((r.reason as Error).cause ?? r.reason) : "ok"))).toEqual(["ok", "ok", "ok", "ok"]);
      const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, "meta/_journal.json"), "utf8")) as { entries: unknown[] };
      const applied = await connections[0]!.db.execute("select count(*)::int as n from drizzle.__drizzle_migrations" as never);
      expect((applied as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(journal.entries.length);
    } finally {
      await Promise.all(connections.map((c) => c.close()));
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
