import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { deployments, environments } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { AUTOMATION_USER } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { currentRelease } from "@/lib/services/promotion-queries";
import { requestDeployment } from "@/lib/services/deployments";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";
import { Controller } from "../controller";

const sha = (c: string) => c.repeat(40);

describe.each(testDatabases)("commit order: automation never moves an environment to an older commit, on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-06-01T10:00:00Z");
  const platform = new FakePlatform();
  let controller: Controller;
  let developer: Actor;
  const log: string[] = [];

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    developer = await createTestActor(connection.db, ["developer"], "dev");
    controller = new Controller({ connection, createPlatform: async () => platform, clock, log: (line) => log.push(line), verifyTimeoutMs: 300, healthEveryMs: 3_600_000, rollingPauseMs: 1, autoPromoteEveryMs: 0 });
    // dev and qa take new releases by themselves (qa's only gate is tests).
    for (const name of ["dev", "qa"]) {
      const [env] = await connection.db.select().from(environments).where(eq(environments.name, name));
      await connection.db
        .update(environments)
        .set({ settings: { ...(env!.settings as object), autoPromote: true } })
        .where(eq(environments.id, env!.id));
    }
  });
  afterAll(async () => {
    await controller.stop({ stopApps: false });
    await connection.close();
  });

  /** Auto-promotion moves one environment per pass: settle, then give the next environment its turn. */
  const settle = async () => {
    for (let i = 0; i < 3; i++) await controller.runUntilIdle();
  };
  const running = async (name: string) => {
    const [env] = await connection.db.select().from(environments).where(eq(environments.name, name));
    return (await currentRelease(connection.db, env!.id))?.id ?? null;
  };
  const tried = async (name: string, releaseId: string) => {
    const [env] = await connection.db.select().from(environments).where(eq(environments.name, name));
    return connection.db
      .select()
      .from(deployments)
      .where(and(eq(deployments.environmentId, env!.id), eq(deployments.releaseId, releaseId)));
  };

  it("the issue's example: B (newer commit) cut at 10:00 stays in dev and qa when A (its parent, slower CI) is cut at 10:05", async () => {
    const b = await makeRelease(connection.db, developer, "1.1.0", { commit: sha("b"), at: "2026-06-01T10:00:00Z", order: { parents: [sha("a")], committedAt: "2026-06-01T09:50:00Z" } });
    await settle();
    expect(await running("dev")).toBe(b.id);
    expect(await running("qa")).toBe(b.id);
    const [auto] = await tried("qa", b.id);
    expect(auto).toMatchObject({ requestedBy: AUTOMATION_USER.id, state: "succeeded" });

    clock.advance(5 * 60_000);
    const a = await makeRelease(connection.db, developer, "1.0.0", { commit: sha("a"), at: "2026-06-01T10:05:00Z", order: { parents: [sha("9")], committedAt: "2026-06-01T09:40:00Z" } });
    await settle();
    expect(await running("dev")).toBe(b.id);
    expect(await running("qa")).toBe(b.id);
    expect(await tried("dev", a.id)).toEqual([]);
    expect(await tried("qa", a.id)).toEqual([]);
  });

  it("a person may still choose the older release explicitly, and the newer one goes back without an older_release refusal", async () => {
    const releases = await connection.db.query.releases.findMany();
    const older = releases.find((r) => r.commit === sha("a"))!;
    const newer = releases.find((r) => r.commit === sha("b"))!;
    const explicit = await requestDeployment({ db: connection.db, actor: developer, clock }, { environment: "dev", releaseId: older.id, reason: "compare behaviour" });
    expect(explicit.state).toBe("queued");
    await settle();
    expect(await running("dev")).toBe(older.id);
    // qa's automation does not follow dev to the older commit.
    expect(await running("qa")).toBe(newer.id);
    expect(await tried("qa", older.id)).toEqual([]);
    // dev's automation does not bring B back by itself either: A→B is newer, so it would be allowed…
    // …but B already went to dev once, and automation never retries a release there. A person does:
    const back = await requestDeployment({ db: connection.db, actor: developer, clock }, { environment: "dev", releaseId: newer.id });
    expect(back.state).toBe("queued");
    await settle();
    expect(await running("dev")).toBe(newer.id);
  });

  it("build numbers order releases too: the newest commit wins, not the last one cut", async () => {
    clock.advance(60_000);
    const n12 = await makeRelease(connection.db, developer, "1.2.0", { at: clock.now().toISOString(), order: { buildNumber: 12, parents: [sha("b")] } });
    clock.advance(60_000);
    const n14 = await makeRelease(connection.db, developer, "1.4.0", { at: new Date(clock.now().getTime() - 30_000).toISOString(), order: { buildNumber: 14, parents: [n12.commit] } });
    const n13 = await makeRelease(connection.db, developer, "1.3.0", { at: clock.now().toISOString(), order: { buildNumber: 13, parents: [n12.commit] } });
    await settle();
    expect(await running("dev")).toBe(n14.id);
    expect(await tried("dev", n13.id)).toEqual([]);
  });

  it("automation does not guess when CI sent no commit order: the release waits for a person", async () => {
    clock.advance(60_000);
    const bare = await makeRelease(connection.db, developer, "1.5.0", { at: clock.now().toISOString(), order: null });
    const before = await running("dev");
    await settle();
    expect(await running("dev")).toBe(before);
    expect(await tried("dev", bare.id)).toEqual([]);
    const chosen = await requestDeployment({ db: connection.db, actor: developer, clock }, { environment: "dev", releaseId: bare.id });
    expect(chosen.state).toBe("queued");
  });
});
