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
import { systemActor } from "@/lib/auth/actor";
import { parsePipelineConfig } from "@/lib/config/load";
import { fixedClock } from "@/lib/domain/clock";
import { verifyAuditTrail } from "@/lib/services/audit-verify";
import { syncPipeline } from "@/lib/services/pipeline-sync";
import { getBoard } from "@/lib/services/pipeline-board";
import { testDatabases } from "@/lib/testing/databases";
import { loadTestPipeline } from "@/lib/testing/fixtures";
import { demoDataLoaded, seedDemoData } from "./demo";
import { DEMO_USERS } from "./demo-users";

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
    expect(await demoDataLoaded(connection.db)).toBe(false);
    expect(await seedDemoData(connection.db, clock, { artifactsDir })).toBe(true);
    expect(await demoDataLoaded(connection.db)).toBe(true);
    const after = await counts();
    const board = await getBoard(connection.db, clock, { pipeline: "shop" });
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
          expect(
            list.slice(0, i).some((earlier) => earlier.state === "rolled-back"),
            `${env}: rollback ${d.id} undoes nothing before it`,
          ).toBe(true);
        }
        // Every deployment finished before the next one into the same environment started.
        const next = list[i + 1];
        if (next && d.finishedAt) expect(d.finishedAt.getTime(), `${env}: ${d.id} overlaps ${next.id}`).toBeLessThanOrEqual(next.createdAt.getTime());
      }
    }
  });

  // Issue 15 item 15: the history is made by the real services, so the audit trail tells all of it.
  it("audits every seeded action in an intact hash chain: each deployment's request by a demo person or automation, and its end", async () => {
    const verification = await verifyAuditTrail({ db: connection.db, actor: systemActor("cli"), clock: fixedClock("2026-11-21T12:00:00Z") });
    expect(verification.intact, JSON.stringify(verification)).toBe(true);
    const events = await connection.db.query.auditEvents.findMany({ orderBy: (e, { asc }) => asc(e.seq) });
    const people = await connection.db.query.users.findMany();
    const emailOf = new Map(people.map((u) => [u.id, u.email]));
    const demoEmails = new Set(DEMO_USERS.map((u) => u.email));
    const all = await connection.db.query.deployments.findMany({ with: { environment: { columns: { name: true, kind: true } } } });
    for (const d of all) {
      const requested = events.filter((e) => e.action === `deployment.${d.kind}` && (e.data as { deploymentId?: string }).deploymentId === d.id);
      expect(requested, `${d.environment.name}: ${d.id} has no request event`).toHaveLength(1);
      const [event] = requested;
      expect(event!.actorId, `${d.id} requested by its requester`).toBe(d.requestedBy);
      expect(event!.at.getTime()).toBe(d.createdAt.getTime());
      const byAutomation = event!.actorId === "usr_automation";
      expect(byAutomation || demoEmails.has(emailOf.get(event!.actorId ?? "") ?? ""), `${d.id} requested by ${event!.actorLabel}`).toBe(true);
      const ends = events.filter((e) => e.targetId === d.id && ["deployment.start", "deployment.succeed", "deployment.fail"].includes(e.action));
      expect(
        ends.map((e) => e.action),
        d.id,
      ).toEqual(["deployment.start", d.state === "failed" ? "deployment.fail" : "deployment.succeed"]);
      expect(ends.every((e) => e.actorId === "usr_automation")).toBe(true);
      expect(ends[1]!.at.getTime()).toBe(d.finishedAt!.getTime());
    }
    // Gated deployments were approved by someone else than who asked, before they started.
    const approvals = await connection.db.query.approvals.findMany();
    expect(approvals.length).toBeGreaterThan(0);
    for (const a of approvals) {
      const d = all.find((x) => x.id === a.deploymentId)!;
      expect(a.userId).not.toBe(d.requestedBy);
      expect(a.createdAt.getTime()).toBeLessThan(d.startedAt!.getTime());
    }
    // The demo people were added by Slipway before any of it.
    for (const demo of DEMO_USERS)
      expect(
        events.some((e) => e.action === "user.create" && (e.data as { email?: string }).email === demo.email),
        demo.email,
      ).toBe(true);
    // Every build and release has its registration by the demo developer's CI token.
    const builds = await connection.db.query.builds.findMany();
    for (const b of builds) expect(events.some((e) => e.action === "build.register" && e.targetId === b.id && e.source === "api")).toBe(true);
    // The rollback held prod; a lead lifted the hold before prod took the next release.
    const actions = events.map((e) => e.action);
    expect(actions.indexOf("environment.hold")).toBeGreaterThan(-1);
    expect(actions.indexOf("environment.hold.lift")).toBeGreaterThan(actions.indexOf("environment.hold"));
  });

  it("the board loads only the review cells that differ from their source", async () => {
    const clock = fixedClock("2026-11-21T12:00:00Z");
    const full = await getBoard(connection.db, clock, { pipeline: "shop" });
    const staging = full!.fixed.find((e) => e.name === "staging")!;
    const review = full!.review[0]!;
    // Make the review environment run staging's admin build: admin no longer differs.
    await connection.db
      .update(environmentApps)
      .set({ buildId: staging.apps.admin!.buildId, releaseId: staging.apps.admin!.releaseId })
      .where(and(eq(environmentApps.environmentId, review.id), eq(environmentApps.appId, staging.apps.admin!.appId)));
    const board = await getBoard(connection.db, clock, { pipeline: "shop", reviewCells: "differing" });
    expect(Object.keys(board!.review[0]!.apps).sort()).toEqual(["api-gateway", "portal"]);
    expect(Object.keys(board!.fixed[0]!.apps)).toHaveLength(3);
    const all = await getBoard(connection.db, clock, { pipeline: "shop" });
    expect(Object.keys(all!.review[0]!.apps)).toHaveLength(3);
  });
});

// With slipway.yaml itself, prod has time windows and a year-end freeze: the seed moves prod's
// history into open windows (never into a freeze) on any day it first runs.
describe.each(testDatabases.slice(0, 1))("demo data with slipway.yaml's windows and freezes on $name", (database) => {
  const artifactsDir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-demo-artifacts-"));
  afterAll(() => fs.rmSync(artifactsDir, { recursive: true, force: true }));

  it.each(["2026-11-29T17:00:00Z", "2026-12-30T09:00:00Z"])(
    "seeds a coherent history when first started at %s",
    async (at) => {
      const connection = await database.open();
      try {
        const parsed = parsePipelineConfig(fs.readFileSync(path.resolve(process.cwd(), "pipelines/shop.yaml"), "utf8"));
        if (!parsed.ok) throw new Error("slipway.yaml is invalid");
        await syncPipeline(connection.db, fixedClock("2026-01-01T00:00:00Z"), parsed.config, parsed.hash);
        expect(await seedDemoData(connection.db, fixedClock(at), { artifactsDir })).toBe(true);
        const prod = await connection.db.query.deployments.findMany({ with: { environment: { columns: { name: true } } } });
        const gated = prod.filter((d) => d.environment.name === "prod" && d.kind === "promote");
        expect(gated.length).toBeGreaterThan(0);
        const board = await getBoard(connection.db, fixedClock(at), { pipeline: "shop" });
        for (const env of board!.fixed) expect(env.apps.portal?.version, env.name).toBeTruthy();
        const verification = await verifyAuditTrail({ db: connection.db, actor: systemActor("cli"), clock: fixedClock(at) });
        expect(verification.intact).toBe(true);
      } finally {
        await connection.close();
      }
      // A fresh migrated database and a whole demo history per case: a guard against a hang, not a speed target.
    },
    120_000,
  );
});
