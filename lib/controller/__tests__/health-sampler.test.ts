import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Connection } from "@/db/client";
import { apps, environmentApps, environments } from "@/db/schema";
import { fixedClock } from "@/lib/domain/clock";
import { PlatformRegistry } from "@/lib/platform/registry";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";
import { ABSENT_REFRESH_MS, sampleHealth } from "../health-sampler";
import { recordedSpecPages } from "../specs";

describe.each(testDatabases)("health sampling follows what the platform runs on $name", (database) => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
  });
  afterAll(() => connection.close());

  const cell = async (environment: string, app: string) => {
    const [row] = await connection.db
      .select({ status: environmentApps.healthStatus, observedAt: environmentApps.healthObservedAt, detail: environmentApps.healthDetail, url: environmentApps.url })
      .from(environmentApps)
      .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
      .innerJoin(apps, eq(apps.id, environmentApps.appId))
      .where(and(eq(environments.name, environment), eq(apps.name, app)));
    return row!;
  };

  it("probes only the apps the platform's inventory runs, writes the rest unhealthy once per refresh, and never asks per cell for status", async () => {
    const actor = await createTestActor(connection.db, ["developer"]);
    const release = await makeRelease(connection.db, actor, "1.0.0");
    await placeRelease(connection.db, "dev", release.id, new Date("2026-03-01T10:00:00Z"), actor.id);
    await placeRelease(connection.db, "qa", release.id, new Date("2026-03-01T10:05:00Z"), actor.id);
    const platform = new FakePlatform();
    // dev runs all three apps, qa only its portal; qa's admin and api-gateway run nowhere.
    for await (const page of recordedSpecPages(connection.db)) {
      for (const plan of page) if (plan.spec.environment === "dev" || plan.app === "portal") await platform.ensureActive(plan.spec);
    }
    const health = vi.spyOn(platform, "health");
    const status = vi.spyOn(platform, "status");
    const clock = fixedClock("2026-03-02T09:00:00Z");
    const registry = PlatformRegistry.single(platform);

    expect(await sampleHealth(connection.db, registry, clock)).toEqual({ probed: 4, absent: 2 });
    expect(health.mock.calls.map(([environment, app, slot]) => `${environment}/${app}/${slot}`).sort()).toEqual(["dev/admin/active", "dev/api-gateway/active", "dev/portal/active", "qa/portal/active"]);
    expect(status).not.toHaveBeenCalled();
    const running = await cell("qa", "portal");
    expect(running).toMatchObject({ status: "healthy", observedAt: clock.now(), url: (await platform.status("qa", "portal"))!.url });
    expect((running.detail as { instances: { status: string; version: string }[] }).instances[0]).toMatchObject({ status: "healthy", version: "1.0.0" });
    expect(await cell("qa", "admin")).toMatchObject({ status: "unhealthy", observedAt: clock.now(), detail: { instances: [] } });
    // Only the six deployed cells were written.
    expect((await connection.db.select({ at: environmentApps.healthObservedAt }).from(environmentApps)).filter((r) => r.at?.getTime() === clock.now().getTime())).toHaveLength(6);

    // The next pass probes what runs again; the absent cells are already recorded as such.
    clock.advance(10_000);
    health.mockClear();
    expect(await sampleHealth(connection.db, registry, clock)).toEqual({ probed: 4, absent: 0 });
    expect(health).toHaveBeenCalledTimes(4);
    expect((await cell("qa", "portal")).observedAt).toEqual(clock.now());
    expect((await cell("qa", "admin")).observedAt).toEqual(new Date("2026-03-02T09:00:00Z"));
    // Before they would show as stale, they are written again.
    clock.advance(ABSENT_REFRESH_MS);
    expect(await sampleHealth(connection.db, registry, clock)).toEqual({ probed: 4, absent: 2 });
    expect((await cell("qa", "admin")).observedAt).toEqual(clock.now());

    // An app that stops running is unhealthy on the next pass, not after the refresh.
    await platform.stopActive("dev", "admin");
    clock.advance(1_000);
    expect(await sampleHealth(connection.db, registry, clock)).toEqual({ probed: 3, absent: 1 });
    expect(await cell("dev", "admin")).toMatchObject({ status: "unhealthy", observedAt: clock.now(), detail: { instances: [] } });

    // A platform that cannot say what it runs: every deployed cell of its environments shows its error.
    vi.spyOn(platform, "inventory").mockRejectedValue(new Error("platform API unreachable"));
    clock.advance(1_000);
    health.mockClear();
    expect(await sampleHealth(connection.db, registry, clock)).toEqual({ probed: 0, absent: 6 });
    expect(health).not.toHaveBeenCalled();
    expect(await cell("dev", "portal")).toMatchObject({ status: "unhealthy", observedAt: clock.now(), detail: { instances: [{ instance: "-", status: "unhealthy", error: "platform API unreachable", latencyMs: 0 }] } });
  });
});
