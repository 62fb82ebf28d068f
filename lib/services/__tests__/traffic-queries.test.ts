import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, environments, healthSamples } from "@/db/schema";
import { fixedClock } from "@/lib/domain/clock";
import { environmentTraffic } from "@/lib/services/traffic-queries";
import { testDatabases } from "@/lib/testing/databases";
import { loadTestPipeline } from "@/lib/testing/fixtures";

describe.each(testDatabases)("an environment's traffic on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-06-01T10:00:30Z");

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
  });
  afterAll(() => connection.close());

  it("sums apps per minute, fills the gaps, and says where the SLO's budget stands", async () => {
    const [staging] = await connection.db.select().from(environments).where(eq(environments.name, "staging"));
    const [portal, admin] = await connection.db.select().from(apps).orderBy(apps.position);
    const sample = (app: string, minute: string, requests: number, errors: number, p95Ms: number | null) => ({
      environmentId: staging!.id,
      appId: app,
      bucketStart: new Date(`2026-06-01T${minute}:00Z`),
      status: "healthy" as const,
      requests,
      errors,
      p95Ms,
    });
    await connection.db.insert(healthSamples).values([
      sample(portal!.id, "09:58", 600, 3, 120),
      sample(admin!.id, "09:58", 400, 2, 300),
      sample(portal!.id, "10:00", 100, 0, 90),
      sample(portal!.id, "08:00", 1000, 0, 80), // in the SLO window, not in the last hour
    ]);
    const traffic = await environmentTraffic(connection.db, clock, staging!, 60);
    expect(traffic.minutes).toHaveLength(60);
    expect(traffic.minutes.at(-1)).toEqual({ at: "2026-06-01T10:00:00.000Z", requests: 100, errors: 0, p95Ms: 90 });
    expect(traffic.minutes.at(-2)).toEqual({ at: "2026-06-01T09:59:00.000Z", requests: 0, errors: 0, p95Ms: null });
    expect(traffic.minutes.at(-3)).toEqual({ at: "2026-06-01T09:58:00.000Z", requests: 1000, errors: 5, p95Ms: 300 });
    // 99.5%: a budget of 0.5% of 2100 requests; 5 errors spent 0.24% of requests, i.e. 47.6% of it.
    expect(traffic.slo).toMatchObject({ availability: 99.5, requests: 2100, errors: 5 });
    expect(traffic.slo!.budgetLeft).toBeCloseTo(1 - 5 / 2100 / 0.005, 6);
    expect(traffic.slo!.burn.firing).toBe(false);
    // An SLO window shorter than the chart's hour: each part still reads only its own span.
    const settings = staging!.settings;
    const short = await environmentTraffic(connection.db, clock, { id: staging!.id, settings: { ...settings, slo: { ...settings.slo!, window: 2 * 60_000 } } }, 60);
    expect(short.minutes.at(-3)).toEqual({ at: "2026-06-01T09:58:00.000Z", requests: 1000, errors: 5, p95Ms: 300 });
    expect(short.slo).toMatchObject({ requests: 100, errors: 0, budgetLeft: 1 });
  });

  it("has no SLO part for an environment without one", async () => {
    const [dev] = await connection.db.select().from(environments).where(eq(environments.name, "dev"));
    expect((await environmentTraffic(connection.db, clock, dev!, 10)).slo).toBeNull();
  });
});
