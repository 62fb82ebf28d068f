import type { PipelineConfig } from "@/lib/config/schema";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, deployments, environmentApps, environments, freezes, incidents, pipelines } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { APP_STATUSES, pageBoardRows } from "@/lib/domain/board-rows";
import { fixedClock } from "@/lib/domain/clock";
import { environmentRelease } from "@/lib/domain/environment-summary";
import { newId } from "@/lib/ids";
import { getBoardPage, REVIEW_LIMIT } from "@/lib/services/board-page";
import { aheadSummary } from "@/lib/services/compare";
import { getBoard } from "@/lib/services/pipeline-board";
import { loadGateStates } from "@/lib/services/gate-state";
import { getReleaseWhereabouts } from "@/lib/services/release-page";
import { getRelease } from "@/lib/services/releases";
import { releaseWhereabouts } from "@/lib/domain/release-whereabouts";
import { NotFoundError } from "@/lib/services/errors";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";

// Issue 13 / issue 16 item 3: the board as one view model, filtered and paged in SQL. The old
// whole-board read (getBoard + pageBoardRows + aheadSummary) is the oracle for what the page shows.
describe.each(testDatabases)("board page on $name", (database) => {
  let connection: Connection;
  let admin: Actor;
  let viewer: Actor;
  const clock = fixedClock("2026-03-02T10:00:00Z");
  const fresh = new Date(clock.now().getTime() - 30_000);
  const ids: Record<string, string> = {};
  const releaseIds: Record<string, string> = {};
  const ctx = (actor: Actor) => ({ db: connection.db, actor, clock });

  beforeAll(async () => {
    connection = await database.open();
    const db = connection.db;
    await loadTestPipeline(db);
    admin = await createTestActor(db, ["admin"], "ada");
    viewer = await createTestActor(db, ["viewer"], "vic");
    for (const e of await db.select().from(environments)) ids[e.name] = e.id;
    for (const a of await db.select().from(apps)) ids[a.name] = a.id;
    ids.pipeline = (await db.select().from(pipelines))[0]!.id;
    const r1 = await makeRelease(db, admin, "1.0.0", { at: "2026-03-01T08:00:00Z" });
    const r2 = await makeRelease(db, admin, "1.1.0", { at: "2026-03-01T09:00:00Z" });
    const r3 = await makeRelease(db, admin, "1.2.0", { at: "2026-03-01T10:00:00Z" });
    Object.assign(releaseIds, { r1: r1.id, r2: r2.id, r3: r3.id });
    for (const env of ["qa", "uat", "staging", "prod"]) await placeRelease(db, env, r1.id, fresh, admin.id);
    await placeRelease(db, "dev", r2.id, fresh, admin.id);
    const cell = (env: string, app: string) => and(eq(environmentApps.environmentId, ids[env]!), eq(environmentApps.appId, ids[app]!));
    // qa's admin fails now; staging's portal drifted; uat never got api-gateway; staging's admin runs r2.
    await db.update(environmentApps).set({ healthStatus: "unhealthy" }).where(cell("qa", "admin"));
    const [portalCell] = await db.select().from(environmentApps).where(cell("staging", "portal"));
    await db
      .update(environmentApps)
      .set({ drift: { kind: "other-build", message: "runs 0.9.0 instead of 1.0.0", recorded: { buildId: portalCell!.buildId, releaseId: portalCell!.releaseId, version: "1.0.0", digest: null }, observed: { active: null, standby: null } } })
      .where(cell("staging", "portal"));
    await db.delete(environmentApps).where(cell("uat", "api-gateway"));
    await db.update(environmentApps).set({ releaseId: r2.id }).where(cell("staging", "admin"));
    await db
      .update(apps)
      .set({ settings: { team: "payments" } })
      .where(eq(apps.id, ids.portal!));
    // Another pipeline's freeze and incident are not this board's; the organisation's and prod's are.
    await db.insert(pipelines).values({ id: "pip_tool", name: "tool", configHash: "x", config: {} as PipelineConfig });
    await db.insert(environments).values({ id: "env_tool_prod", pipelineId: "pip_tool", name: "tool-prod", kind: "fixed", position: 0, state: "active" });
    const during = { startsAt: new Date(clock.now().getTime() - 60_000), endsAt: new Date(clock.now().getTime() + 3_600_000), createdBy: admin.id };
    await db.insert(freezes).values([
      { id: newId("frz"), pipelineId: "pip_tool", name: "Tool freeze", reason: "tool only", ...during },
      { id: newId("frz"), name: "Stop the line", reason: "everyone", ...during },
      { id: newId("frz"), environmentId: ids.qa!, name: "QA freeze", reason: "qa only", ...during },
    ]);
    await db.insert(incidents).values([
      { id: newId("inc"), environmentId: "env_tool_prod", title: "Tool is down", state: "open", openedVia: "api", openedBy: admin.id },
      { id: newId("inc"), environmentId: ids.prod!, title: "Checkout errors", state: "open", openedVia: "api", openedBy: admin.id },
    ]);
    // More review environments than the board lists.
    await db.insert(environments).values(
      Array.from({ length: REVIEW_LIMIT + 2 }, (_, i) => ({
        id: `env_review_${String(i).padStart(2, "0")}`,
        pipelineId: ids.pipeline!,
        name: `review-${i}`,
        kind: "review" as const,
        state: "ready" as const,
        branch: `feature/${i}`,
        sourceEnvironmentId: ids.staging!,
        // The admin owns three of them (the spin-up form's "yours").
        ownerId: i < 3 ? admin.id : null,
        createdAt: new Date(Date.UTC(2026, 2, 1, 0, i)),
      })),
    );
  }, 60_000);
  afterAll(() => connection.close());

  it("shows the chain with what each column runs, what waits, how far ahead, and what guards it", async () => {
    const board = await getBoardPage(ctx(admin), { pipeline: "shop" });
    expect(board.columns.map((c) => c.environment.name)).toEqual(["dev", "qa", "uat", "staging", "prod"]);
    const [dev, qa, uat, staging, prod] = board.columns;
    expect(dev!.release?.releaseId).toBe(releaseIds.r2);
    expect(uat!.release?.releaseId).toBe(releaseIds.r1);
    expect(staging).toMatchObject({ release: null, releases: 2 });
    // The newest develop release waits to enter; dev's waits in dev for qa.
    expect(dev!.waiting).toMatchObject({
      from: null,
      release: {
        id: releaseIds.r3,
        versions: [
          { app: "portal", version: "1.2.0" },
          { app: "admin", version: "1.2.0" },
          { app: "api-gateway", version: "1.2.0" },
        ],
      },
    });
    expect(qa!.waiting).toMatchObject({
      from: "dev",
      release: {
        id: releaseIds.r2,
        versions: [
          { app: "portal", version: "1.1.0" },
          { app: "admin", version: "1.1.0" },
          { app: "api-gateway", version: "1.1.0" },
        ],
      },
    });
    expect(qa!.waiting!.preview.waits.join(" ")).toContain("QA freeze");
    expect(prod!.fastTrack).toMatchObject({ release: { id: releaseIds.r3 }, skipped: ["dev", "qa", "uat", "staging"] });
    // qa runs r1: its promote preview speaks of replacing it, not of starting from nothing.
    expect(qa!.waiting!.preview.rollout).not.toContain("Nothing runs in qa yet");
    expect(prod!.fastTrack!.soak).toMatchObject({ durationMs: 20_000 });
    // Ahead counts agree with the comparison's own rules.
    const whole = (await getBoard(connection.db, clock, { pipeline: "shop" }))!;
    const oracle = await aheadSummary(connection.db, whole.fixed);
    expect(board.columns.flatMap((c) => (c.ahead ? [c.ahead] : []))).toEqual(oracle.filter((a) => a.releases > 0 || a.commits > 0));
    expect(qa!.ahead).toMatchObject({ from: "dev", releases: 1 });
    // Guards: this pipeline's freezes and incidents, and the organisation's; not another pipeline's.
    expect(board.freezes.map((f) => f.name)).toEqual(["Stop the line"]);
    expect(board.incidents.map((i) => i.title)).toEqual(["Checkout errors"]);
    expect(qa!.gateState.frozen.map((f) => f.name).sort()).toEqual(["QA freeze", "Stop the line"]);
    expect(prod!.gateState.incidents.map((i) => i.title)).toEqual(["Checkout errors"]);
    expect(dev!.gateState.incidents).toEqual([]);
  });

  it("pages and filters the app rows in SQL as the whole-board rules do, for every status", async () => {
    const whole = (await getBoard(connection.db, clock, { pipeline: "shop" }))!;
    const columns = whole.fixed.map((e) => ({ apps: e.apps, releaseId: environmentRelease(Object.values(e.apps))?.releaseId ?? null }));
    for (const status of APP_STATUSES) {
      const board = await getBoardPage(ctx(viewer), { pipeline: "shop", status });
      const expected = pageBoardRows(whole.apps, columns, { status });
      expect({ status, rows: board.rows.apps.map((a) => a.name), matching: board.rows.matching }).toEqual({ status, rows: expected.rows.map((a) => a.name), matching: expected.matching });
    }
    const names = async (input: Parameters<typeof getBoardPage>[1]) => (await getBoardPage(ctx(viewer), input)).rows.apps.map((a) => a.name);
    expect(await names({ pipeline: "shop", status: "failing" })).toEqual(["admin"]);
    expect(await names({ pipeline: "shop", status: "drift" })).toEqual(["portal"]);
    expect(await names({ pipeline: "shop", status: "undeployed" })).toEqual(["api-gateway"]);
    expect(await names({ pipeline: "shop", status: "off-release" })).toEqual(["admin"]);
    expect(await names({ pipeline: "shop", status: "no-such-status" })).toEqual(["portal", "admin", "api-gateway"]);
    expect(await names({ pipeline: "shop", q: "GATE" })).toEqual(["api-gateway"]);
    expect(await names({ pipeline: "shop", q: "%" })).toEqual([]);
    expect(await names({ pipeline: "shop", team: "payments" })).toEqual(["portal"]);
    expect(await names({ pipeline: "shop", team: "nobody" })).toEqual([]);
    expect(await names({ pipeline: "shop", q: "a", status: "failing" })).toEqual(["admin"]);

    const first = await getBoardPage(ctx(viewer), { pipeline: "shop", pageSize: 2 });
    expect(first.rows).toMatchObject({ page: 1, pages: 2, matching: 3 });
    expect(first.rows.apps.map((a) => a.name)).toEqual(["portal", "admin"]);
    // Cells come for the page's apps only; the column summaries still count every app.
    expect(Object.keys(first.columns[1]!.environment.apps).sort()).toEqual(["admin", "portal"]);
    const past = await getBoardPage(ctx(viewer), { pipeline: "shop", pageSize: 2, page: "9" });
    expect(past.rows).toMatchObject({ page: 2, pages: 2 });
    expect(past.rows.apps.map((a) => a.name)).toEqual(["api-gateway"]);
    expect(first.apps).toEqual({ total: 3, teams: ["payments"] });
  });

  it("does not offer for fast-track a release the chain rolled back (until deployed there again), and says where", async () => {
    const before = await getBoardPage(ctx(admin), { pipeline: "shop" });
    expect(before.columns.at(-1)!.fastTrack).toMatchObject({ release: { id: releaseIds.r3 }, rolledBackIn: [] });
    // r3 went to qa and was rolled back there (a rollback marks the deployment it undid rolled-back).
    const id = newId("dep");
    const againId = newId("dep");
    const at = new Date(clock.now().getTime() - 600_000);
    await connection.db
      .insert(deployments)
      .values({ id, environmentId: ids.qa!, releaseId: releaseIds.r3!, kind: "promote", state: "rolled-back", requestedBy: admin.id, requestedVia: "api", createdAt: at, startedAt: at, finishedAt: at, updatedAt: at });
    try {
      const after = await getBoardPage(ctx(admin), { pipeline: "shop" });
      expect(after.columns.at(-1)!.fastTrack).toMatchObject({ release: { id: releaseIds.r3 }, rolledBackIn: ["qa"] });
      // Deployed to qa again since (after a fix of its config, say): qa no longer counts against it.
      const later = new Date(at.getTime() + 60_000);
      await connection.db
        .insert(deployments)
        .values({ id: againId, environmentId: ids.qa!, releaseId: releaseIds.r3!, kind: "redeploy", state: "succeeded", requestedBy: admin.id, requestedVia: "api", createdAt: later, startedAt: later, finishedAt: later, updatedAt: later });
      const again = await getBoardPage(ctx(admin), { pipeline: "shop" });
      expect(again.columns.at(-1)!.fastTrack).toMatchObject({ release: { id: releaseIds.r3 }, rolledBackIn: [] });
    } finally {
      await connection.db.delete(deployments).where(inArray(deployments.id, [id, againId]));
    }
  });

  it("says where the release's rollout failed (one that started; not a request its gates refused), until deployed there again", async () => {
    const at = new Date(clock.now().getTime() - 600_000);
    const failed = { environmentId: ids.qa!, releaseId: releaseIds.r3!, kind: "promote" as const, state: "failed" as const, requestedBy: admin.id, requestedVia: "api" as const, createdAt: at, finishedAt: at, updatedAt: at };
    const refusedId = newId("dep");
    const startedId = newId("dep");
    const againId = newId("dep");
    const configId = newId("dep");
    await connection.db.insert(deployments).values({ ...failed, id: refusedId });
    // A config change that failed while qa ran r3 did not bring r3 in: it does not count either.
    await connection.db.insert(deployments).values({ ...failed, id: configId, kind: "config", startedAt: at });
    try {
      expect((await getBoardPage(ctx(admin), { pipeline: "shop" })).columns.at(-1)!.fastTrack).toMatchObject({ release: { id: releaseIds.r3 }, failedIn: [] });
      await connection.db.insert(deployments).values({ ...failed, id: startedId, startedAt: at, failureReason: "migrate: exited 1" });
      expect((await getBoardPage(ctx(admin), { pipeline: "shop" })).columns.at(-1)!.fastTrack).toMatchObject({ release: { id: releaseIds.r3 }, failedIn: ["qa"], rolledBackIn: [] });
      const later = new Date(at.getTime() + 60_000);
      await connection.db.insert(deployments).values({ ...failed, id: againId, kind: "redeploy", state: "succeeded", createdAt: later, startedAt: later, finishedAt: later, updatedAt: later });
      expect((await getBoardPage(ctx(admin), { pipeline: "shop" })).columns.at(-1)!.fastTrack).toMatchObject({ release: { id: releaseIds.r3 }, failedIn: [] });
    } finally {
      await connection.db.delete(deployments).where(inArray(deployments.id, [refusedId, configId, startedId, againId]));
    }
  });

  it("shows a column's newest finished rollout when it failed, until another one ends there", async () => {
    expect((await getBoardPage(ctx(viewer), { pipeline: "shop" })).columns.map((c) => c.lastFailure)).toEqual([null, null, null, null, null]);
    // After the placed releases (`fresh`, 30 s ago).
    const at = (secondsAgo: number) => new Date(clock.now().getTime() - secondsAgo * 1000);
    const row = (id: string, state: "failed" | "succeeded" | "cancelled", secondsAgo: number, reason: string | null = null) => ({
      id,
      environmentId: ids.uat!,
      releaseId: releaseIds.r2!,
      kind: "promote" as const,
      state,
      failureReason: reason,
      requestedBy: admin.id,
      requestedVia: "api" as const,
      createdAt: at(secondsAgo + 1),
      startedAt: at(secondsAgo + 1) as Date | null,
      finishedAt: at(secondsAgo),
      updatedAt: at(secondsAgo),
    });
    const made: string[] = [];
    const insert = async (values: ReturnType<typeof row>) => {
      made.push(values.id);
      await connection.db.insert(deployments).values(values);
    };
    try {
      await insert(row(newId("dep"), "failed", 20, "portal: health check failed 3 times"));
      // A request cancelled later never ran, nor did one its gates stopped: the failure still stands.
      await insert(row(newId("dep"), "cancelled", 10));
      await insert({ ...row(newId("dep"), "failed", 8, "Stopped by its gates: approval rejected"), startedAt: null });
      const failed = (await getBoardPage(ctx(viewer), { pipeline: "shop" })).columns[2]!;
      expect(failed.environment.name).toBe("uat");
      expect(failed.lastFailure).toEqual({ deploymentId: made[0], kind: "promote", commit: expect.any(String), reason: "portal: health check failed 3 times", at: at(20) });
      // A rollout that succeeded since clears it.
      await insert(row(newId("dep"), "succeeded", 5));
      expect((await getBoardPage(ctx(viewer), { pipeline: "shop" })).columns[2]!.lastFailure).toBeNull();
    } finally {
      await connection.db.delete(deployments).where(inArray(deployments.id, made));
    }
  });

  it("says how the first release gets in only while none has reached the pipeline", async () => {
    expect((await getBoardPage(ctx(viewer), { pipeline: "shop" })).firstRelease).toBeNull();
    const db = connection.db;
    const [shop] = await db.select().from(pipelines).where(eq(pipelines.name, "shop"));
    await db.insert(pipelines).values({ id: "pip_fresh", name: "fresh", configHash: "y", config: shop!.config });
    await db.insert(environments).values([
      { id: "env_fresh_dev", pipelineId: "pip_fresh", name: "dev", kind: "fixed", position: 0, state: "active", settings: { branch: "trunk" } },
      { id: "env_fresh_prod", pipelineId: "pip_fresh", name: "prod", kind: "fixed", position: 1, state: "active" },
    ]);
    await db.insert(apps).values({ id: "app_fresh_web", pipelineId: "pip_fresh", name: "web", position: 0 });
    const fresh = await getBoardPage(ctx(viewer), { pipeline: "fresh" });
    expect(fresh.firstRelease).toEqual({ entry: "dev", branch: "trunk" });
    // Its first release rolling out into dev: no longer "nothing yet".
    const release = await makeRelease(db, admin, "0.1.0", { at: "2026-03-01T07:00:00Z" });
    await db.insert(deployments).values({ id: "dep_fresh_first", environmentId: "env_fresh_dev", releaseId: release.id, kind: "promote", state: "running", requestedBy: admin.id, requestedVia: "api" });
    expect((await getBoardPage(ctx(viewer), { pipeline: "fresh" })).firstRelease).toBeNull();
  });

  it("says what the viewer may do: a viewer sees what waits but gets no deploy, fast-track or spin-up", async () => {
    const seen = await getBoardPage(ctx(viewer), { pipeline: "shop" });
    expect(seen.viewer).toEqual({ canDeploy: false, spinUp: null });
    expect(seen.columns.at(-1)!.fastTrack).toBeNull();
    expect(seen.columns[1]!.waiting).not.toBeNull();
    const lead = await getBoardPage(ctx(admin), { pipeline: "shop" });
    expect(lead.viewer.canDeploy).toBe(true);
    expect(lead.viewer.spinUp).toMatchObject({ pipeline: "shop", defaultSource: "staging", sources: ["dev", "qa", "uat", "staging", "prod"] });
    expect(lead.viewer.spinUp!.takenNames).toContain(`review-${REVIEW_LIMIT + 1}`);
    expect(lead.viewer.spinUp!.quota).toMatchObject({ inUse: REVIEW_LIMIT + 2, yours: 3 });
    // Bounded whatever the pipeline's size: a release lists its first few versions and says how many apps there are.
    expect(lead.viewer.spinUp!.appCount).toBe(lead.apps.total);
    // The branches are read when the form opens (getSpinUpCandidates), not with every board view.
    expect(lead.viewer.spinUp).not.toHaveProperty("candidates");
  });

  it("lists the newest review environments and counts them all", async () => {
    const board = await getBoardPage(ctx(viewer), { pipeline: "shop" });
    expect(board.review.total).toBe(REVIEW_LIMIT + 2);
    expect(board.review.environments).toHaveLength(REVIEW_LIMIT);
    expect(board.review.environments[0]!.name).toBe(`review-${REVIEW_LIMIT + 1}`);
    expect(board.review.environments.every((e) => e.kind === "review" && e.source === "staging")).toBe(true);
  });

  it("a release's whereabouts read the chain without its cells and agree with the whole-board read", async () => {
    const whole = (await getBoard(connection.db, clock, { pipeline: "shop" }))!;
    const gateStates = await loadGateStates(connection.db, clock, whole.fixed);
    for (const releaseId of Object.values(releaseIds)) {
      const release = await getRelease(connection.db, releaseId);
      const expected = releaseWhereabouts(
        releaseId,
        whole.fixed.map((env) => ({
          name: env.name,
          appsRunning: Object.values(env.apps).filter((cell) => cell.releaseId === releaseId).length,
          appCount: whole.apps.length,
          active: env.active,
          ranBefore: release.runs.some((run) => run.environment === env.name && (run.state === "succeeded" || run.state === "rolled-back")),
          gateState: gateStates.get(env.name),
        })),
      );
      expect(await getReleaseWhereabouts(ctx(viewer), release)).toEqual(expected);
    }
    const r1 = await getReleaseWhereabouts(ctx(viewer), await getRelease(connection.db, releaseIds.r1!));
    expect(r1.find((w) => w.environment === "staging")!.where).toEqual({ status: "running", partial: true });
  });

  it("refuses an unknown pipeline", async () => {
    await expect(getBoardPage(ctx(viewer), { pipeline: "nope" })).rejects.toBeInstanceOf(NotFoundError);
  });
});
