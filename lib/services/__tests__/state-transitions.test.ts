import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { deployments, environments } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { IllegalTransitionError } from "@/lib/domain/deployment-state";
import { IllegalEnvironmentTransitionError } from "@/lib/domain/environment-state";
import { transitionDeployment, transitionDeployments } from "@/lib/services/deployment-transitions";
import { transitionEnvironment } from "@/lib/services/environment-transitions";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";

// Issue 16 item 2: the one writer of each state column is a compare-and-set that asserts the table.
describe.each(testDatabases)("state transitions on $name", (database) => {
  let connection: Connection;
  let dev: Actor;
  let releaseId: string;
  let environmentId: string;
  let sequence = 0;
  const at = new Date("2026-06-01T09:00:00Z");

  async function deployment(state: "waiting" | "queued" | "succeeded"): Promise<string> {
    const id = `dep_state_${++sequence}`;
    await connection.db.insert(deployments).values({ id, environmentId, releaseId, kind: "promote", state, requestedBy: dev.id, requestedVia: "ui", createdAt: at, updatedAt: at });
    return id;
  }
  const stateOf = async (id: string) => (await connection.db.select({ state: deployments.state, finishedAt: deployments.finishedAt }).from(deployments).where(eq(deployments.id, id)))[0];

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    dev = await createTestActor(connection.db, ["developer"], "dana");
    releaseId = (await makeRelease(connection.db, dev, "1.0.0-state.1")).id;
    environmentId = (await connection.db.select({ id: environments.id }).from(environments).where(eq(environments.name, "dev")))[0]!.id;
  });
  afterAll(() => connection.close());

  it("moves a deployment that is still in `from`, writing `set` alongside", async () => {
    const id = await deployment("queued");
    const finished = new Date("2026-06-01T09:05:00Z");
    expect(await transitionDeployment(connection.db, id, { from: ["waiting", "queued"], to: "cancelled", set: { cancelledBy: dev.id, finishedAt: finished } })).toBe(true);
    expect(await stateOf(id)).toEqual({ state: "cancelled", finishedAt: finished });
  });

  it("does not apply a stale compare-and-set: the row moved on since it was read", async () => {
    const id = await deployment("waiting");
    // Someone else queued it meanwhile; a writer still believing it is waiting must change nothing.
    expect(await transitionDeployment(connection.db, id, { from: "waiting", to: "queued" })).toBe(true);
    expect(await transitionDeployment(connection.db, id, { from: "waiting", to: "superseded", set: { finishedAt: at } })).toBe(false);
    expect(await stateOf(id)).toEqual({ state: "queued", finishedAt: null });
  });

  it("moves in bulk only the rows still in `from`", async () => {
    const waiting = await deployment("waiting");
    const succeeded = await deployment("succeeded");
    expect(await transitionDeployments(connection.db, [waiting, succeeded], { from: ["waiting", "queued"], to: "superseded" })).toEqual([waiting]);
    expect((await stateOf(succeeded))!.state).toBe("succeeded");
    expect(await transitionDeployments(connection.db, [], { from: "waiting", to: "cancelled" })).toEqual([]);
  });

  it("refuses a transition the table forbids before writing anything", async () => {
    const id = await deployment("succeeded");
    await expect(transitionDeployment(connection.db, id, { from: "succeeded", to: "cancelled" })).rejects.toThrow(IllegalTransitionError);
    // One forbidden pair among the `from` states is enough to refuse.
    await expect(transitionDeployment(connection.db, id, { from: ["succeeded", "running"], to: "rolled-back" })).rejects.toThrow("A deployment cannot go from running to rolled-back.");
    await expect(transitionDeployment(connection.db, id, { from: [], to: "rolled-back" })).rejects.toThrow("at least one state");
    expect((await stateOf(id))!.state).toBe("succeeded");
  });

  it("moves an environment with compare-and-set, and refuses what its table forbids", async () => {
    const envState = async () => (await connection.db.select({ state: environments.state, position: environments.position }).from(environments).where(eq(environments.id, environmentId)))[0];
    await expect(transitionEnvironment(connection.db, environmentId, { from: "active", to: "torn-down" })).rejects.toThrow(IllegalEnvironmentTransitionError);
    expect(await transitionEnvironment(connection.db, environmentId, { from: "retired", to: "active" })).toBe(false);
    expect((await envState())!.state).toBe("active");
    const before = (await envState())!.position;
    expect(await transitionEnvironment(connection.db, environmentId, { from: "active", to: "retired", set: { position: null } })).toBe(true);
    expect(await envState()).toEqual({ state: "retired", position: null });
    expect(await transitionEnvironment(connection.db, environmentId, { from: "retired", to: "active", set: { position: before } })).toBe(true);
    expect(await envState()).toEqual({ state: "active", position: before });
  });
});
