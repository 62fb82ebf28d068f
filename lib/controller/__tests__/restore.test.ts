import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { deployments, environments } from "@/db/schema";
import { PlatformRegistry } from "@/lib/platform/registry";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";
import { restoreRecordedState, RestoreRun } from "../restore";
import { recordedSpecPages } from "../specs";

describe.each(testDatabases)("restoring the recorded state on start-up on $name", (database) => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
  });
  afterAll(async () => {
    await connection.close();
  });

  it("restores every environment's recorded release, except one with a rollout in progress (the rollout owns it)", async () => {
    const actor = await createTestActor(connection.db, ["developer"]);
    const release = await makeRelease(connection.db, actor, "1.0.0");
    await placeRelease(connection.db, "dev", release.id, new Date("2026-03-01T10:00:00Z"), actor.id);
    await placeRelease(connection.db, "qa", release.id, new Date("2026-03-01T10:05:00Z"), actor.id);
    const [dev] = await connection.db.select().from(environments).where(eq(environments.name, "dev"));
    await connection.db.update(deployments).set({ state: "running" }).where(eq(deployments.environmentId, dev!.id));

    const platform = new FakePlatform();
    const lines: string[] = [];
    const result = await restoreRecordedState(connection.db, PlatformRegistry.single(platform), (line) => lines.push(line));

    expect([...platform.lastSpecs.keys()].sort()).toEqual(["qa/admin", "qa/api-gateway", "qa/portal"]);
    expect(result).toEqual({ restored: 3, total: 3 });
    expect(platform.serving("qa", "portal")).toBe("1.0.0");
    expect(platform.serving("dev", "portal")).toBeNull();
    expect(lines).toEqual(["restored 3 of 3 apps to their recorded releases"]);
  });

  it("reads the recorded state in keyset pages of at most pageSize cells, each cell once, and restores all of them page by page", async () => {
    const actor = await createTestActor(connection.db, ["developer"], "pager");
    const release = await makeRelease(connection.db, actor, "2.0.0");
    for (const [i, name] of ["dev", "qa", "uat", "staging"].entries()) await placeRelease(connection.db, name, release.id, new Date(Date.UTC(2026, 2, 2, 10, i)), actor.id);
    await connection.db.update(deployments).set({ state: "succeeded" });

    const pages: string[][] = [];
    for await (const page of recordedSpecPages(connection.db, 5)) pages.push(page.map((p) => `${p.spec.environment}/${p.app}`));
    const all = pages.flat();
    expect(pages.every((p) => p.length <= 5)).toBe(true);
    expect(pages.length).toBe(Math.ceil(all.length / 5));
    expect(all.length).toBe(12); // 4 environments × 3 apps
    expect(new Set(all).size).toBe(all.length);

    const platform = new FakePlatform();
    const lines: string[] = [];
    const result = await restoreRecordedState(connection.db, PlatformRegistry.single(platform), (line) => lines.push(line), { pageSize: 5 });
    expect(result).toEqual({ restored: 12, total: 12 });
    expect([...platform.lastSpecs.keys()].sort()).toEqual([...all].sort());
    expect(platform.serving("staging", "api-gateway")).toBe("2.0.0");
    expect(lines).toEqual(["restored 12 of 12 apps to their recorded releases"]);
  });

  it("restores in slices: a step restores pages until its budget is spent, null while pages remain, the result once the last is done", async () => {
    const platform = new FakePlatform();
    const lines: string[] = [];
    const run = new RestoreRun(connection.db, PlatformRegistry.single(platform), (line) => lines.push(line), { pageSize: 5 });
    const restoredAfter: number[] = [];
    let result = null;
    for (let step = 0; step < 10 && !result; step++) {
      result = await run.step(0); // no budget: one page per step
      restoredAfter.push(platform.lastSpecs.size);
    }
    expect(result).toEqual({ restored: 12, total: 12 });
    expect(run.done).toBe(true);
    expect(restoredAfter).toEqual([5, 10, 12, 12]); // the last step finds no more pages and reports
    expect(lines).toEqual(["restored 12 of 12 apps to their recorded releases"]);
    expect(await run.step(0)).toEqual({ restored: 12, total: 12 }); // done stays done, nothing restored twice
    expect(platform.lastSpecs.size).toBe(12);
  });
});
