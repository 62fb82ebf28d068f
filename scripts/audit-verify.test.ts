import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openConnection } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { auditEvents } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { recordAudit } from "@/lib/services/audit";
import { serveCliCommands } from "@/lib/server/cli-commands";
import { runProcess } from "@/lib/testing/run-process";
import { report } from "./audit-verify";

describe("report", () => {
  it("says intact with the count and last hash, or names the first broken link", () => {
    expect(report({ intact: true, count: 3, lastSeq: 3, lastHash: "ab".repeat(32) })).toMatchObject({
      code: 0,
      lines: [`audit trail intact: 3 events, last hash ${"ab".repeat(32)} (seq 3)`, expect.any(String)],
    });
    const broken = report({
      intact: false,
      count: 1,
      broken: { seq: 2, id: "aud_2", problem: "hash-mismatch", expected: "e", actual: "a", previousSeq: 1, message: "event seq 2 (aud_2) … edited" },
    });
    expect(broken.code).toBe(1);
    expect(broken.lines[0]).toBe("audit trail BROKEN at seq 2 (aud_2): hash mismatch");
  });
});

describe("npm run audit:verify on an embedded database", () => {
  let dataDir: string;
  // Asynchronously: a synchronous spawn would block this process when it plays the running Slipway.
  const run = () => runProcess(["scripts/audit-verify.ts"], { SLIPWAY_DATA_DIR: dataDir, DATABASE_URL: "" });

  async function withDatabase<T>(work: (db: Awaited<ReturnType<typeof openConnection>>["db"]) => Promise<T>): Promise<T> {
    const connection = await openConnection({ dataDir });
    try {
      return await work(connection.db);
    } finally {
      await connection.close();
    }
  }

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-audit-verify-"));
    const connection = await openConnection({ dataDir });
    try {
      await migrateDatabase(connection);
      const clock = fixedClock("2026-03-02T10:00:00Z");
      for (const action of ["release.create", "deployment.request", "deployment.succeed"]) {
        clock.advance(1000);
        await connection.db.transaction((tx) => recordAudit(tx, systemActor("cli"), clock, { action, targetType: "deployment", data: { n: 1 } }));
      }
    } finally {
      await connection.close();
    }
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("exits 0 for an intact trail, 1 naming the edited row; beside a running Slipway it checks through its channel", async () => {
    const intact = await run();
    expect(intact.stdout).toMatch(/^audit trail intact: 3 events, last hash [0-9a-f]{64} \(seq 3\)$/m);
    expect(intact.status).toBe(0);

    const seq = await withDatabase(async (db) => {
      const [, second] = await db.select().from(auditEvents).orderBy(asc(auditEvents.seq));
      await db.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete`);
      await db
        .update(auditEvents)
        .set({ data: { n: 2 } })
        .where(eq(auditEvents.seq, second!.seq));
      await db.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete`);
      return second!.seq;
    });
    const broken = await run();
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain(`audit trail BROKEN at seq ${seq}`);
    expect(broken.stderr).toContain("hash mismatch");

    // This test process plays the running Slipway: it holds the data directory.
    const held = await openConnection({ dataDir });
    try {
      const noChannel = await run();
      expect(noChannel.status).toBe(2);
      expect(noChannel.stderr).toContain("offers no CLI channel");
      const stopChannel = await serveCliCommands(dataDir, held);
      try {
        const beside = await run();
        expect(beside.stderr).toContain("through the running Slipway");
        expect(beside.stderr).toContain(`audit trail BROKEN at seq ${seq}`);
        expect(beside.status).toBe(1);
      } finally {
        await stopChannel();
      }
    } finally {
      await held.close();
    }
  });
});
