import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { createHash } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { environmentApps } from "@/db/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { fixedClock } from "@/lib/domain/clock";
import { getBoard } from "@/lib/services/environments";
import { testDatabases } from "@/lib/testing/databases";
import { loadTestPipeline } from "@/lib/testing/fixtures";
import { seedDemoData } from "./demo";

const TABLES = ["users", "builds", "releases", "deployments", "environment_apps", "environments", "audit_events"];

describe.each(testDatabases)("demo data on $name", (database) => {
  let connection: Connection;
  const artifactsDir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-demo-artifacts-"));
  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
  });
  afterAll(async () => {
    await connection.close();
    fs.rmSync(artifactsDir, { recursive: true, force: true });
  });

  async function counts() {
    const result: Record<string, number> = {};
    for (const table of TABLES) {
      const rows = await connection.db.execute<{ n: number }>(sql.raw(`select count(*)::int as n from ${table}`));
      result[table] = (rows as unknown as { rows: { n: number }[] }).rows[0]!.n;
    }
    return result;
  }

  it("fills every environment on the first run and adds nothing on the second", async () => {
    const clock = fixedClock("2026-11-21T12:00:00Z");
    expect(await seedDemoData(connection.db, clock, { artifactsDir })).toBe(true);
    const after = await counts();
    const board = await getBoard(connection.db, clock);
    for (const env of board!.fixed) {
      for (const app of board!.apps) expect(env.apps[app.name]?.version, `${env.name}/${app.name}`).toBeTruthy();
    }
    expect(board!.review.map((e) => [e.name, e.source])).toEqual([["checkout-redesign", "staging"]]);
    expect(after.deployments).toBeGreaterThan(20);
    // Every build is a real app tarball, registered by file:// URL, whose bytes match its digest.
    const seededBuilds = await connection.db.query.builds.findMany();
    for (const build of seededBuilds) {
      expect(build.artifact).toMatch(/^file:\/\/.*\.tar\.gz$/);
      const content = fs.readFileSync(fileURLToPath(build.artifact!));
      expect(`sha256:${createHash("sha256").update(content).digest("hex")}`).toBe(build.digest);
      expect(zlib.gunzipSync(content).toString()).toContain(build.version);
    }

    expect(await seedDemoData(connection.db, clock, { artifactsDir })).toBe(false);
    expect(await counts()).toEqual(after);
  });

  // Issue 15 item 15: the history a newcomer reads must not contradict itself.
  it("tells a coherent history: a rollback after what it undoes, each rolled-back deployment followed by its rollback, no two deployments of an environment at one instant", async () => {
    const all = await connection.db.query.deployments.findMany({ with: { environment: { columns: { name: true } } } });
    expect(all.length).toBeGreaterThan(0);
    const byEnv = new Map<string, typeof all>();
    for (const d of all) byEnv.set(d.environment.name, [...(byEnv.get(d.environment.name) ?? []), d]);
    for (const [env, list] of byEnv) {
      list.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
      const instants = list.map((d) => d.createdAt.getTime());
      expect(new Set(instants).size, `${env}: two deployments at one instant`).toBe(instants.length);
      for (const [i, d] of list.entries()) {
        if (d.state === "rolled-back") {
          const rollback = list.slice(i + 1).find((later) => later.kind === "rollback");
          expect(rollback, `${env}: ${d.id} is rolled back but no rollback follows it`).toBeDefined();
          expect(rollback!.previousReleaseId, `${env}: the rollback replaced ${d.releaseId}`).toBe(d.releaseId);
        }
        if (d.kind === "rollback") {
          expect(list.slice(0, i).some((earlier) => earlier.state === "rolled-back"), `${env}: rollback ${d.id} undoes nothing before it`).toBe(true);
        }
        // Every deployment finished before the next one into the same environment started.
        const next = list[i + 1];
        if (next && d.finishedAt) expect(d.finishedAt.getTime(), `${env}: ${d.id} overlaps ${next.id}`).toBeLessThanOrEqual(next.createdAt.getTime());
      }
    }
  });

  it("the board loads only the review cells that differ from their source", async () => {
    const clock = fixedClock("2026-11-21T12:00:00Z");
    const full = await getBoard(connection.db, clock);
    const staging = full!.fixed.find((e) => e.name === "staging")!;
    const review = full!.review[0]!;
    // Make the review environment run staging's admin build: admin no longer differs.
    await connection.db
      .update(environmentApps)
      .set({ buildId: staging.apps.admin!.buildId, releaseId: staging.apps.admin!.releaseId })
      .where(and(eq(environmentApps.environmentId, review.id), eq(environmentApps.appId, staging.apps.admin!.appId)));
    const board = await getBoard(connection.db, clock, { reviewCells: "differing" });
    expect(Object.keys(board!.review[0]!.apps).sort()).toEqual(["api-gateway", "portal"]);
    expect(Object.keys(board!.fixed[0]!.apps)).toHaveLength(3);
    const all = await getBoard(connection.db, clock);
    expect(Object.keys(all!.review[0]!.apps)).toHaveLength(3);
  });
});
