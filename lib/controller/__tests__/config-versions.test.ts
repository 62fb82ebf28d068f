import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { configSnapshots, deployments } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { pendingConfigChanges, rollbackConfigPreview } from "@/lib/services/config-snapshots";
import { setConfigVariable } from "@/lib/services/config-vars";
import { requestDeployment, requestRollback } from "@/lib/services/deployments";
import { liftHold } from "@/lib/services/holds";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";
import { Controller } from "../controller";

process.env.SLIPWAY_SECRET_KEY ??= Buffer.alloc(32, 5).toString("base64");

describe.each(testDatabases)("each deployment runs an exact config version, on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-06-03T10:00:00Z");
  const platform = new FakePlatform();
  let controller: Controller;
  let lead: Actor;
  const releases: Record<string, string> = {};

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    lead = await createTestActor(connection.db, ["tech-lead", "delivery-lead"], "lead");
    controller = new Controller({ connection, createPlatform: async () => platform, clock, log: () => {}, verifyTimeoutMs: 300, healthEveryMs: 3_600_000, rollingPauseMs: 1, autoPromoteEveryMs: 0 });
    for (const version of ["1.0.0", "2.0.0", "3.0.0"]) {
      clock.advance(1000);
      releases[version] = (await makeRelease(connection.db, lead, version, { at: clock.now().toISOString() })).id;
    }
  });
  afterAll(async () => {
    await controller.stop({ stopApps: false });
    await connection.close();
  });

  const ctx = () => ({ db: connection.db, actor: lead, clock });
  const config = () => platform.lastSpecs.get("dev/portal")?.config;
  const set = (key: string, value: string) => setConfigVariable(ctx(), { environment: "dev", key, value, reason: "test edit" });
  const versionOf = async (deploymentId: string) => {
    const [row] = await connection.db.select({ version: configSnapshots.version }).from(deployments).innerJoin(configSnapshots, eq(configSnapshots.id, deployments.configSnapshotId)).where(eq(deployments.id, deploymentId));
    return row?.version ?? null;
  };
  const settle = async (deployment: { id: string }) => {
    await controller.runUntilIdle();
    clock.advance(60_000);
    const [row] = await connection.db.select().from(deployments).where(eq(deployments.id, deployment.id));
    expect(row!.state).toBe("succeeded");
    return row!;
  };
  const rollback = async (input: Record<string, unknown>) => {
    const deployment = await settle(await requestRollback(ctx(), { environment: "dev", reason: "test", ...input }));
    await liftHold(ctx(), { environment: "dev", reason: "test over" });
    return deployment;
  };

  it("the issue's example: R1 with no config, R2 with FEATURE_X, an unapplied DB_URL; the rollback runs R1 with no config", async () => {
    const r1 = await settle(await requestDeployment(ctx(), { environment: "dev", releaseId: releases["1.0.0"] }));
    expect(config()).toEqual({});
    expect(await versionOf(r1.id)).toBe(1);

    await set("FEATURE_X", "on");
    const r2 = await settle(await requestDeployment(ctx(), { environment: "dev", releaseId: releases["2.0.0"], applyPendingConfig: true }));
    expect(config()).toEqual({ FEATURE_X: "on" });
    expect(await versionOf(r2.id)).toBe(2);
    expect(await pendingConfigChanges(connection.db, r2.environmentId)).toEqual([]);

    await set("DB_URL", "postgres://new");
    // The environment page's "not applied yet" banner reads this.
    expect(await pendingConfigChanges(connection.db, r1.environmentId)).toEqual([{ key: "DB_URL", app: null, change: "added", secret: false, from: null, to: "postgres://new" }]);
    expect(await rollbackConfigPreview(connection.db, r1.environmentId, releases["1.0.0"]!)).toEqual({
      currentVersion: 2,
      restoredVersion: 1,
      changes: [{ key: "FEATURE_X", app: null, change: "removed", secret: false, from: "on", to: null }],
      pendingChanges: [{ key: "DB_URL", app: null, change: "added", secret: false, from: null, to: "postgres://new" }],
    });
    const back = await rollback({});
    expect(back.releaseId).toBe(releases["1.0.0"]);
    expect(config()).toEqual({});
    expect(await versionOf(back.id)).toBe(1);
  });

  it("an unapplied edit rides along with no other deployment kind: redeploy and promote keep the running version", async () => {
    const redeploy = await settle(await requestDeployment(ctx(), { environment: "dev", releaseId: releases["1.0.0"], kind: "redeploy" }));
    expect(config()).toEqual({});
    expect(await versionOf(redeploy.id)).toBe(1);
    const promote = await settle(await requestDeployment(ctx(), { environment: "dev", releaseId: releases["3.0.0"] }));
    expect(config()).toEqual({});
    expect(await versionOf(promote.id)).toBe(1);
  });

  it("a config deployment applies the edits as a new version", async () => {
    const applied = await settle(await requestDeployment(ctx(), { environment: "dev", releaseId: releases["3.0.0"], kind: "config" }));
    expect(config()).toEqual({ FEATURE_X: "on", DB_URL: "postgres://new" });
    expect(await versionOf(applied.id)).toBe(3);
  });

  it("'keep current config' rolls back the release only; the default restores the version the release last ran with", async () => {
    const kept = await rollback({ releaseId: releases["1.0.0"], config: "keep-current" });
    expect(kept.releaseId).toBe(releases["1.0.0"]);
    expect(config()).toEqual({ FEATURE_X: "on", DB_URL: "postgres://new" });
    expect(await versionOf(kept.id)).toBe(3);

    await set("FEATURE_X", "off");
    const restored = await rollback({ releaseId: releases["3.0.0"] });
    // 3.0.0 last ran with version 3; the pending FEATURE_X=off does not slip in.
    expect(config()).toEqual({ FEATURE_X: "on", DB_URL: "postgres://new" });
    expect(await versionOf(restored.id)).toBe(3);
    const preview = await rollbackConfigPreview(connection.db, restored.environmentId, releases["1.0.0"]!);
    expect(preview).toMatchObject({ currentVersion: 3, restoredVersion: 3, changes: [] });
    expect(preview.pendingChanges).toEqual([{ key: "FEATURE_X", app: null, change: "changed", secret: false, from: "on", to: "off" }]);
  });

  it("secret values never appear in the preview, only that they change", async () => {
    await setConfigVariable(ctx(), { environment: "dev", key: "API_KEY", value: "s3cret-value", secret: true, reason: "rotate" });
    const [env] = await connection.db.select({ id: deployments.environmentId }).from(deployments).limit(1);
    const preview = await rollbackConfigPreview(connection.db, env!.id, releases["1.0.0"]!);
    expect(JSON.stringify(preview)).not.toContain("s3cret");
    expect(preview.pendingChanges.find((c) => c.key === "API_KEY")).toMatchObject({ secret: true, to: null });
  });
});
