import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { configVariables, deployments, environments } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { decryptSecret } from "@/lib/secrets";
import { environmentConfigState, pendingConfigChanges, rollbackConfigPreview, snapshotPendingConfig } from "@/lib/services/config-snapshots";
import { configVariablesOf, setConfigVariable, valueOf } from "@/lib/services/config-vars";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";

process.env.SLIPWAY_SECRET_KEY ??= Buffer.alloc(32, 5).toString("base64");

// The environment page reads its config once: the variables it lists, the pending edits and the
// rollback preview agree with the single-purpose reads they replace.
describe.each(testDatabases)("an environment's config state on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-06-03T10:00:00Z");
  let admin: Actor;
  const ids: Record<string, string> = {};
  const releases: Record<string, string> = {};
  const ctx = () => ({ db: connection.db, actor: admin, clock });
  const set = (key: string, value: string, extra: { app?: string; secret?: boolean } = {}) => setConfigVariable(ctx(), { environment: "dev", key, value, reason: "test edit", ...extra });
  /** Records the pending config as a version and places `release` in dev running it. */
  const ship = async (release: string) => {
    clock.advance(60_000);
    const snapshot = await snapshotPendingConfig(connection.db, ids.dev!, admin.id, clock.now());
    await placeRelease(connection.db, "dev", releases[release]!, clock.now(), admin.id);
    await connection.db
      .update(deployments)
      .set({ configSnapshotId: snapshot.id })
      .where(and(eq(deployments.environmentId, ids.dev!), eq(deployments.releaseId, releases[release]!)));
    return snapshot;
  };

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    admin = await createTestActor(connection.db, ["admin"], "ada");
    for (const env of await connection.db.select({ id: environments.id, name: environments.name }).from(environments)) ids[env.name] = env.id;
    for (const version of ["1.0.0", "2.0.0"]) releases[version] = (await makeRelease(connection.db, admin, version, { at: "2026-06-01T08:00:00Z" })).id;
  });
  afterAll(() => connection.close());

  it("lists the variables, the pending edits and the rollback preview as the separate reads do", async () => {
    await set("FEATURE", "on");
    await set("PORTAL_FLAG", "1", { app: "portal" });
    await set("API_KEY", "first-secret", { secret: true });
    expect((await ship("1.0.0")).version).toBe(1);
    await set("FEATURE", "off");
    await set("PORTAL_FLAG", "2", { app: "portal" });
    await set("API_KEY", "second-secret", { secret: true });
    expect((await ship("2.0.0")).version).toBe(2);
    // Edits not applied yet.
    await set("PORTAL_FLAG", "3", { app: "portal" });
    await set("NEW_ONE", "x");

    const state = await environmentConfigState(connection.db, ids.dev!, releases["1.0.0"]!);
    expect(state.variables).toEqual(await configVariablesOf(connection.db, ids.dev!));
    expect(state.variables.map((v) => [v.key, v.app, v.value])).toEqual([
      ["API_KEY", null, null],
      ["FEATURE", null, "off"],
      ["NEW_ONE", null, "x"],
      ["PORTAL_FLAG", "portal", "3"],
    ]);
    expect(state.pendingChanges).toEqual(await pendingConfigChanges(connection.db, ids.dev!));
    expect(state.pendingChanges).toEqual(
      expect.arrayContaining([
        { key: "NEW_ONE", app: null, change: "added", secret: false, from: null, to: "x" },
        { key: "PORTAL_FLAG", app: "portal", change: "changed", secret: false, from: "2", to: "3" },
      ]),
    );
    expect(state.rollback).toEqual(await rollbackConfigPreview(connection.db, ids.dev!, releases["1.0.0"]!));
    expect(state.rollback).toMatchObject({ currentVersion: 2, restoredVersion: 1 });
    expect(state.rollback!.changes).toEqual(expect.arrayContaining([expect.objectContaining({ key: "PORTAL_FLAG", app: "portal", from: "2", to: "1" }), expect.objectContaining({ key: "API_KEY", secret: true })]));
    expect(JSON.stringify(state)).not.toMatch(/first-secret|second-secret/);

    const withoutRollback = await environmentConfigState(connection.db, ids.dev!, null);
    expect(withoutRollback.rollback).toBeNull();
    expect(withoutRollback.pendingChanges).toEqual(state.pendingChanges);
  });

  it("has no pending edits to show where no running version was recorded", async () => {
    const qa = await environmentConfigState(connection.db, ids.qa!, releases["1.0.0"]!);
    expect(qa).toEqual({ variables: [], pendingChanges: null, rollback: { currentVersion: null, restoredVersion: null, changes: [], pendingChanges: [] } });
  });

  it("follows references to other variables as valueOf does, at most five hops", async () => {
    const at = clock.now();
    // K0 holds a value; K1 refers to K0, K2 to K1 … K7 to K6. Each also stores a value of its own.
    const chain = Array.from({ length: 8 }, (_, i) => ({
      id: `cfg_chain_${i}`,
      environmentId: ids.uat!,
      appId: null,
      key: `K${i}`,
      value: `own-${i}`,
      secret: false,
      sourceVariableId: i > 0 ? `cfg_chain_${i - 1}` : null,
      version: 1,
      updatedAt: at,
    }));
    // A reference to a variable that no longer exists keeps the variable's own value.
    chain.push({ ...chain[0]!, id: "cfg_dangling", key: "DANGLING", value: "kept", sourceVariableId: "cfg_gone" });
    await connection.db.insert(configVariables).values(chain);
    const snapshot = await snapshotPendingConfig(connection.db, ids.uat!, admin.id, at);
    const rows = await connection.db.select().from(configVariables).where(eq(configVariables.environmentId, ids.uat!));
    for (const row of rows) expect(snapshot.entries.find((e) => e.key === row.key)?.value).toBe(await valueOf(connection.db, row));
    expect(Object.fromEntries(snapshot.entries.map((e) => [e.key, e.value]))).toMatchObject({ K0: "own-0", K1: "own-0", K5: "own-0", K6: "own-1", K7: "own-2", DANGLING: "kept" });
    const listed = await environmentConfigState(connection.db, ids.uat!, null);
    expect(listed.variables.find((v) => v.key === "K3")?.inheritedFrom).toBe("uat");
  });

  it("a secret copied by reference resolves to its source's value, encrypted again", async () => {
    const [source] = await connection.db
      .select()
      .from(configVariables)
      .where(and(eq(configVariables.environmentId, ids.dev!), eq(configVariables.key, "API_KEY")));
    await connection.db
      .insert(configVariables)
      .values({ id: "cfg_ref_secret", environmentId: ids.staging!, appId: null, key: "API_KEY", value: null, secret: true, encryptedValue: null, sourceVariableId: source!.id, version: 1, updatedAt: clock.now() });
    const snapshot = await snapshotPendingConfig(connection.db, ids.staging!, admin.id, clock.now());
    const entry = snapshot.entries.find((e) => e.key === "API_KEY")!;
    expect(entry.value).toBeNull();
    expect(decryptSecret(entry.encryptedValue!)).toBe("second-secret");
    const listed = (await environmentConfigState(connection.db, ids.staging!, null)).variables;
    expect(listed).toEqual([expect.objectContaining({ key: "API_KEY", secret: true, value: null, inheritedFrom: "dev" })]);
  });
});
