import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, deployments, environmentApps, environments } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { listEnvironmentsPage } from "@/lib/services/environment-list";
import { getPortfolio, type Portfolio } from "@/lib/services/portfolio";
import { countingDb } from "@/lib/testing/counting-db";
import { testDatabases } from "@/lib/testing/databases";
import { pipelineWithTwoReleases, placeRelease } from "@/lib/testing/releases";

// Issue 13: the portfolio's rows and the environments list read once per change token
// (lib/services/revision-cache.ts), never showing what an earlier token showed, nor health judged
// at an earlier time once a reading it showed as fresh went stale.
describe.each(testDatabases)("the portfolio and the environments list shared at one token, on $name", (database) => {
  let connection: Connection;
  let admin: Actor;
  let releases: { first: string; second: string };
  // dev's three readings are taken at 09:30: fresh until 09:32 (HEALTH_STALE_AFTER_MS).
  const readAt = new Date("2026-03-02T09:30:00Z");

  beforeAll(async () => {
    connection = await database.open();
    ({ admin, releases } = await pipelineWithTwoReleases(connection.db, readAt));
  });
  afterAll(() => connection?.close());

  const dev = (portfolio: Portfolio) => portfolio.pipelines[0]!.environments.find((e) => e.name === "dev")!;

  it("reads its rows once per token, and again as soon as a change moves the token", async () => {
    const counted = countingDb(connection);
    const view = async () => {
      const before = counted.count();
      const portfolio = await getPortfolio(counted.db, admin, new Date("2026-03-02T09:31:00Z"), {}, []);
      return { portfolio, statements: counted.count() - before };
    };
    const first = await view();
    const second = await view();
    expect(first.statements).toBe(3);
    // The token and the freezes (which still count moves with the time).
    expect(second.statements).toBe(2);
    expect(second.portfolio.revision).toBe(first.portfolio.revision);
    expect(second.portfolio.pipelines).toEqual(first.portfolio.pipelines);
    expect(dev(first.portfolio).release?.id).toBe(releases.first);

    await placeRelease(connection.db, "dev", releases.second!, readAt, admin.id);
    const third = await view();
    expect(third.portfolio.revision).not.toBe(first.portfolio.revision);
    expect(third.statements).toBe(3);
    expect(dev(third.portfolio).release?.id).toBe(releases.second);
  });

  it("counts a reading stale at the first view after it went stale, at one token", async () => {
    const counted = countingDb(connection);
    const view = async (iso: string) => {
      const before = counted.count();
      const portfolio = await getPortfolio(counted.db, admin, new Date(iso), {}, []);
      return { portfolio, statements: counted.count() - before };
    };
    const fresh = await view("2026-03-02T09:31:00Z");
    const stillFresh = await view("2026-03-02T09:32:00Z");
    expect(stillFresh.statements).toBe(2);
    const stale = await view("2026-03-02T09:32:01Z");
    expect(stale.portfolio.revision).toBe(fresh.portfolio.revision);
    expect(dev(fresh.portfolio).health).toEqual({ healthy: 3, degraded: 0, unhealthy: 0, stale: 0 });
    expect(dev(stillFresh.portfolio).health).toEqual({ healthy: 3, degraded: 0, unhealthy: 0, stale: 0 });
    expect(dev(stale.portfolio).health).toEqual({ healthy: 0, degraded: 0, unhealthy: 0, stale: 3 });
    expect(dev(stale.portfolio).healthSummary).toEqual({ tone: "neutral", label: "health unknown" });
    // Read again then; with nothing fresh left, those rows hold whatever the time.
    expect(stale.statements).toBe(3);
    expect((await view("2026-03-02T12:00:00Z")).statements).toBe(2);
  });

  it("lists environments once per token, with a reading shown stale at the first call after it went stale", async () => {
    const counted = countingDb(connection);
    const call = async (iso: string, input: Record<string, unknown> = { pipeline: "shop" }) => {
      const before = counted.count();
      const page = await listEnvironmentsPage(counted.db, fixedClock(iso), input);
      const dev = page.items.find((item) => item.environment.name === "dev")!.environment;
      return { stale: Object.values(dev.apps).map((cell) => cell.health.stale), release: Object.values(dev.apps)[0]!.releaseId, statements: counted.count() - before };
    };
    const first = await call("2026-03-02T09:31:00Z");
    expect(first).toMatchObject({ stale: [false, false, false], release: releases.second });
    expect(first.statements).toBeGreaterThan(2);
    expect(await call("2026-03-02T09:32:00Z")).toEqual({ ...first, statements: 1 });
    expect(await call("2026-03-02T09:32:01Z")).toEqual({ ...first, stale: [true, true, true] });
    expect((await call("2026-03-02T12:00:00Z")).statements).toBe(1);
    // Every pipeline's list follows the portfolio's token: a change shows at the next call.
    expect((await call("2026-03-02T12:00:00Z", {})).release).toBe(releases.second);
    await placeRelease(connection.db, "dev", releases.first!, readAt, admin.id);
    expect((await call("2026-03-02T12:00:00Z", {})).release).toBe(releases.first);
    expect((await call("2026-03-02T12:00:00Z")).release).toBe(releases.first);
    await expect(listEnvironmentsPage(connection.db, fixedClock("2026-03-02T12:00:00Z"), { pipeline: "nowhere" })).rejects.toThrow('No pipeline named "nowhere".');
  });

  it("marks each viewer's own decisions on the shared rows, and filters by them per viewer", async () => {
    const [prod] = await connection.db.select({ id: environments.id }).from(environments).where(eq(environments.name, "prod"));
    await connection.db.insert(deployments).values({ id: "dep_waiting", environmentId: prod!.id, releaseId: releases.second!, kind: "promote", state: "waiting", requestedBy: admin.id, requestedVia: "api" });
    const at = new Date("2026-03-02T12:00:00Z");
    const mine = await getPortfolio(connection.db, admin, at, { myDecisions: new Set(["dep_waiting"]) }, []);
    const others = await getPortfolio(connection.db, admin, at, { myDecisions: new Set() }, []);
    const waiting = (p: Portfolio) => p.pipelines[0]!.environments.find((e) => e.name === "prod")!.waiting;
    expect(waiting(mine)).toEqual([expect.objectContaining({ id: "dep_waiting", mine: true })]);
    expect(waiting(others)).toEqual([expect.objectContaining({ id: "dep_waiting", mine: false })]);
    expect(mine.pipelines[0]!.needsMyDecision).toBe(true);
    expect(others.pipelines[0]!.needsMyDecision).toBe(false);
    expect((await getPortfolio(connection.db, admin, at, { needsMyDecision: true, myDecisions: new Set(["dep_waiting"]) }, [])).matching).toBe(1);
    expect((await getPortfolio(connection.db, admin, at, { needsMyDecision: true, myDecisions: new Set() }, [])).matching).toBe(0);
  });

  it("counts a health status changed at one reading time at the next view (it moves the token)", async () => {
    const portfolio = await getPortfolio(connection.db, admin, new Date("2026-03-02T12:00:00Z"), {}, []);
    const unhealthy = async () => {
      const [app] = await connection.db.select({ id: apps.id }).from(apps).where(eq(apps.name, "portal"));
      const [env] = await connection.db.select({ id: environments.id }).from(environments).where(eq(environments.name, "dev"));
      await connection.db
        .update(environmentApps)
        .set({ healthStatus: "unhealthy" })
        .where(and(eq(environmentApps.environmentId, env!.id), eq(environmentApps.appId, app!.id)));
    };
    expect(portfolio.pipelines[0]!.failing).toBe(false);
    await unhealthy();
    const after = await getPortfolio(connection.db, admin, new Date("2026-03-02T12:00:00Z"), {}, []);
    expect(after.revision).not.toBe(portfolio.revision);
    expect(after.pipelines[0]!.failing).toBe(true);
  });
});
