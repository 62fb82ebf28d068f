import { desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Connection } from "@/db/client";
import { deployments, environments } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { getDeploymentPage } from "@/lib/services/deployment-page";
import { NotFoundError } from "@/lib/services/errors";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";

/** Opening and migrating a database is slow on a busy shared machine (not a measurement). */
const SETUP_TIMEOUT_MS = 300_000;

// decision-queries.ts is server-only; outside Next that marker module refuses to load.
vi.mock("server-only", () => ({}));

// Issue 16 item 3: the deployment page's actions come from one view model and follow the state.
describe.each(testDatabases)("getDeploymentPage on $name", (database) => {
  let connection: Connection;
  let lead: Actor;
  let viewer: Actor;
  let first: { id: string; commit: string };
  let second: { id: string; commit: string };
  let succeededId: string;
  const clock = fixedClock("2026-03-05T12:00:00Z");
  const ctx = (actor: Actor) => ({ db: connection.db, actor, clock });

  /** A deployment of `releaseId` into qa in `state`, requested by `by`. */
  async function deploymentIn(state: "waiting" | "running" | "succeeded", releaseId: string, by: Actor, at: string): Promise<string> {
    const [qa] = await connection.db.select().from(environments).where(eq(environments.name, "qa"));
    const id = newId("dep", new Date(at));
    await connection.db
      .insert(deployments)
      .values({ id, environmentId: qa!.id, releaseId, kind: "promote", state, requestedBy: by.id, requestedVia: "ui", createdAt: new Date(at), updatedAt: new Date(at), startedAt: state === "waiting" ? null : new Date(at) });
    return id;
  }

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    lead = await createTestActor(connection.db, ["delivery-lead"], "lee");
    viewer = await createTestActor(connection.db, ["viewer"], "vic");
    first = await makeRelease(connection.db, lead, "1.0.0", { at: "2026-03-01T08:00:00Z" });
    second = await makeRelease(connection.db, lead, "1.1.0", { at: "2026-03-02T08:00:00Z" });
    await placeRelease(connection.db, "qa", first.id, new Date("2026-03-02T09:00:00Z"), lead.id);
    await placeRelease(connection.db, "qa", second.id, new Date("2026-03-03T09:00:00Z"), lead.id);
    const [latest] = await connection.db.select().from(deployments).where(eq(deployments.releaseId, second.id));
    succeededId = latest!.id;
    await connection.db.update(deployments).set({ previousReleaseId: first.id }).where(eq(deployments.id, succeededId));
  }, SETUP_TIMEOUT_MS);
  afterAll(() => connection.close());

  it("offers a rollback to the previous release from the deployment that runs now, with its config preview", async () => {
    const page = await getDeploymentPage(ctx(lead), succeededId);
    expect(page.pipeline.name).toBe("shop");
    expect(page.allowed).toEqual({ cancel: false, abort: false, rollback: true, decideAutomatic: false });
    expect(page.rollback?.target).toMatchObject({ id: first.id, commit: first.commit });
    expect(page.rollback?.config).toMatchObject({ changes: [], pendingChanges: [] });
    expect(page.decisions).toBeNull();
  });

  it("from a rollback's own page offers the release before the one it restored, never the release it rolled back", async () => {
    const third = await makeRelease(connection.db, lead, "1.2.0", { at: "2026-03-05T08:00:00Z" });
    await placeRelease(connection.db, "qa", third.id, new Date("2026-03-05T09:00:00Z"), lead.id);
    await connection.db.update(deployments).set({ state: "rolled-back" }).where(eq(deployments.releaseId, third.id));
    // Rolled back to `second`: the rollback's previousReleaseId is `third`, the release it took out.
    await placeRelease(connection.db, "qa", second.id, new Date("2026-03-05T10:00:00Z"), lead.id);
    const [rollback] = await connection.db.select().from(deployments).where(eq(deployments.releaseId, second.id)).orderBy(desc(deployments.createdAt)).limit(1);
    await connection.db.update(deployments).set({ kind: "rollback", previousReleaseId: third.id }).where(eq(deployments.id, rollback!.id));
    const page = await getDeploymentPage(ctx(lead), rollback!.id);
    expect(page.rollback?.target).toMatchObject({ id: first.id });
    // Put qa back as the other tests expect it (second, promoted normally).
    await connection.db.update(deployments).set({ kind: "promote", previousReleaseId: first.id }).where(eq(deployments.id, rollback!.id));
  });

  it("offers a viewer nothing", async () => {
    const page = await getDeploymentPage(ctx(viewer), succeededId);
    expect(page.allowed).toEqual({ cancel: false, abort: false, rollback: false, decideAutomatic: false });
    expect(page.rollback).toBeNull();
  });

  it("offers abort only while a forward rollout runs, and no longer once it finished", async () => {
    const id = await deploymentIn("running", first.id, lead, "2026-03-04T09:00:00Z");
    expect((await getDeploymentPage(ctx(lead), id)).allowed).toEqual({ cancel: false, abort: true, rollback: false, decideAutomatic: false });
    await connection.db
      .update(deployments)
      .set({ state: "failed", finishedAt: new Date("2026-03-04T09:05:00Z") })
      .where(eq(deployments.id, id));
    expect((await getDeploymentPage(ctx(lead), id)).allowed).toEqual({ cancel: false, abort: false, rollback: false, decideAutomatic: false });
    // An older deployment whose release no longer runs offers no rollback either.
    const [older] = await connection.db.select().from(deployments).where(eq(deployments.releaseId, first.id)).orderBy(deployments.createdAt).limit(1);
    await connection.db.update(deployments).set({ previousReleaseId: second.id }).where(eq(deployments.id, older!.id));
    expect(older!.state).toBe("succeeded");
    expect((await getDeploymentPage(ctx(lead), older!.id)).allowed.rollback).toBe(false);
  });

  it("offers cancel on a waiting deployment to a lead and to whoever asked, with the decision controls", async () => {
    const developer = await createTestActor(connection.db, ["developer"], "dev");
    const id = await deploymentIn("waiting", first.id, developer, "2026-03-04T10:00:00Z");
    const mine = await getDeploymentPage(ctx(developer), id);
    expect(mine.allowed.cancel).toBe(true);
    expect(mine.decisions).not.toBeNull();
    expect((await getDeploymentPage(ctx(lead), id)).allowed.cancel).toBe(true);
    expect((await getDeploymentPage(ctx(viewer), id)).allowed.cancel).toBe(false);
  });

  it("refuses an unknown id with NotFoundError", async () => {
    await expect(getDeploymentPage(ctx(lead), "dep_nope")).rejects.toBeInstanceOf(NotFoundError);
  });
});
