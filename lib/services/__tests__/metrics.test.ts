import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { deployments, environments, type Deployment } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { newId } from "@/lib/ids";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, digestOf, loadTestPipeline, sha } from "@/lib/testing/fixtures";
import { registerBuild } from "../builds";
import { ForbiddenError, ValidationError } from "../errors";
import { getDeliveryMetrics, metricsPeriod } from "../metrics";
import { createRelease } from "../releases";

const HOUR = 3_600_000;
// "Now" for every call: noon on 10 March 2026; the 7-day period starts on 4 March, 00:00 UTC.
const NOW = "2026-03-10T12:00:00Z";

describe("metricsPeriod", () => {
  it("covers the last N UTC days, today included", () => {
    expect(metricsPeriod(new Date(NOW), 7)).toEqual({ from: new Date("2026-03-04T00:00:00Z"), to: new Date(NOW) });
  });
});

describe.each(testDatabases)("delivery metrics on $name", (database) => {
  let connection: Connection;
  let developer: Actor;
  let envIds: Record<string, string>;
  let buildSeq = 0;

  /** Builds registered at `builtAt` (one per app, or reusing `carry`'s builds), released `releasedAfterHours` later. */
  async function release(builtAt: string, releasedAfterHours: number, carry: Record<string, string> = {}) {
    buildSeq += 1;
    const commit = sha(1000 + buildSeq);
    const ids: Record<string, string> = { ...carry };
    for (const app of ["portal", "admin", "api-gateway"].filter((a) => !carry[a])) {
      const { build } = await registerBuild(contextFor(connection.db, developer, builtAt), { app, version: `1.${buildSeq}.0`, commit, branch: "develop", digest: digestOf(5000 + buildSeq * 10 + app.length) });
      ids[app] = build.id;
    }
    const releasedAt = new Date(new Date(builtAt).getTime() + releasedAfterHours * HOUR).toISOString();
    const { release: r } = await createRelease(contextFor(connection.db, developer, releasedAt), { commit, branch: "develop", builds: Object.values(ids) });
    return { id: r.id, builds: ids };
  }

  async function deploy(environment: string, releaseId: string, finished: string, overrides: Partial<Deployment> = {}) {
    const finishedAt = new Date(finished);
    await connection.db.insert(deployments).values({
      id: newId("dep", finishedAt),
      environmentId: envIds[environment]!,
      releaseId,
      kind: "promote",
      state: "succeeded",
      requestedBy: developer.id,
      requestedVia: "ui",
      createdAt: new Date(finishedAt.getTime() - 10 * 60_000),
      startedAt: new Date(finishedAt.getTime() - 5 * 60_000),
      finishedAt,
      ...overrides,
    });
  }

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    developer = await createTestActor(connection.db, ["developer"]);
    const rows = await connection.db.select({ id: environments.id, name: environments.name }).from(environments);
    envIds = Object.fromEntries(rows.map((r) => [r.name, r.id]));

    const a = await release("2026-02-20T08:00:00Z", 1); // before the period
    const b = await release("2026-03-05T06:00:00Z", 2); // built 06:00, released 08:00
    // c is built after b was rolled back: a new portal over what prod runs (a's admin and api-gateway).
    const c = await release("2026-03-07T09:00:00Z", 0, { admin: a.builds.admin!, "api-gateway": a.builds["api-gateway"]! });
    await deploy("prod", a.id, "2026-02-21T10:00:00Z");
    // b reaches prod 12 h after its first build (not 10 h after the release was cut).
    await deploy("staging", b.id, "2026-03-05T10:00:00Z", { previousReleaseId: a.id });
    await deploy("prod", b.id, "2026-03-05T18:00:00Z", { previousReleaseId: a.id, state: "rolled-back" });
    await deploy("prod", a.id, "2026-03-05T18:30:00Z", { kind: "rollback", previousReleaseId: b.id });
    // c changes only portal; it fails once in prod, then goes through 3 h later.
    await deploy("prod", c.id, "2026-03-08T09:00:00Z", { previousReleaseId: a.id, state: "failed" });
    await deploy("prod", c.id, "2026-03-08T12:00:00Z", { previousReleaseId: a.id });
    // Re-promoting a after it first reached prod in February is not a new change.
    await deploy("prod", a.id, "2026-03-09T12:00:00Z", { kind: "promote", previousReleaseId: c.id });
    // Refused by a gate before it started: not a deployment for these measures.
    await deploy("prod", c.id, "2026-03-09T13:00:00Z", { previousReleaseId: a.id, state: "failed", startedAt: null });
  });
  afterAll(() => connection.close());

  it("measures production by default, with the commit time taken from the earliest build", async () => {
    const view = await getDeliveryMetrics(contextFor(connection.db, developer, NOW), { period: "7d" });
    expect(view.period).toEqual({ key: "7d", days: 7, from: new Date("2026-03-04T00:00:00Z"), to: new Date(NOW) });
    expect(view.scope).toEqual({ environment: "prod", app: null });
    expect(view.productionEnvironment).toBe("prod");
    expect(view.environments.map((e) => e.name)).toEqual(["dev", "qa", "uat", "staging", "prod"]);
    expect(view.apps).toEqual(["portal", "admin", "api-gateway"]);

    const m = view.metrics;
    expect(m.days).toHaveLength(7);
    expect(m.frequency.total).toBe(4);
    expect(m.leadTime.changes.map((c) => c.leadTimeMs / HOUR)).toEqual([12, 27]);
    expect(m.changeFailure).toMatchObject({ total: 4, failed: 2, rate: 0.5 });
    expect(m.restore.outages.map((o) => o.durationMs! / 60_000)).toEqual([30, 180]);
    expect(m.restore).toMatchObject({ count: 2, open: 0, medianMs: 105 * 60_000 });
  });

  it("filters by environment and by the app a deployment changed, with breakdowns", async () => {
    const ctx = contextFor(connection.db, developer, NOW);
    const staging = await getDeliveryMetrics(ctx, { period: "7d", environment: "staging" });
    expect(staging.metrics.frequency.total).toBe(1);
    expect(staging.metrics.leadTime).toMatchObject({ environment: "staging", count: 1, medianMs: 4 * HOUR });

    const admin = await getDeliveryMetrics(ctx, { period: "7d", app: "admin" });
    // Only b and its rollback changed admin's build in prod; c and the re-promotion of a changed portal alone.
    expect(admin.metrics.changeFailure).toMatchObject({ total: 1, failed: 1, rate: 1 });
    expect(admin.byEnvironment.find((e) => e.name === "prod")).toMatchObject({ deployments: 2, changes: 1, failed: 1, changeFailureRate: 1 });
    expect(admin.byEnvironment.find((e) => e.name === "staging")).toMatchObject({ deployments: 1 });
    const portalRow = admin.byApp.find((a) => a.name === "portal")!;
    expect(portalRow).toMatchObject({ deployments: 4, changes: 4, failed: 2 });
  });

  it("an empty period gives zeros and no medians", async () => {
    const view = await getDeliveryMetrics(contextFor(connection.db, developer, "2027-01-01T09:00:00Z"), {});
    expect(view.period.key).toBe("30d");
    expect(view.metrics.frequency).toMatchObject({ total: 0, perWeek: 0 });
    expect(view.metrics.frequency.series).toHaveLength(30);
    expect(view.metrics.leadTime.medianMs).toBeNull();
    expect(view.metrics.changeFailure.rate).toBeNull();
    expect(view.byEnvironment.every((e) => e.deployments === 0)).toBe(true);
  });

  it("validates the input and needs pipeline.view", async () => {
    const ctx = contextFor(connection.db, developer, NOW);
    await expect(getDeliveryMetrics(ctx, { period: "1y" })).rejects.toMatchObject({ fields: { period: "expected 7d, 30d or 90d" } });
    await expect(getDeliveryMetrics(ctx, { environment: "nowhere" })).rejects.toBeInstanceOf(ValidationError);
    await expect(getDeliveryMetrics(ctx, { app: "billing" })).rejects.toMatchObject({ fields: { app: 'no app named "billing"' } });
    const nobody = await createTestActor(connection.db, [], "nobody");
    await expect(getDeliveryMetrics(contextFor(connection.db, nobody, NOW), {})).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("keeps working when an environment of the chain is retired", async () => {
    await connection.db.update(environments).set({ state: "retired" }).where(eq(environments.name, "uat"));
    const view = await getDeliveryMetrics(contextFor(connection.db, developer, NOW), { environment: "uat" });
    expect(view.environments.map((e) => e.name)).toContain("uat");
    await connection.db.update(environments).set({ state: "active" }).where(eq(environments.name, "uat"));
  });
});
