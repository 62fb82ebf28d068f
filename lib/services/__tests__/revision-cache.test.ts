import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { Connection } from "@/db/client";
import { deployments, environments, freezes } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { getBoardPage } from "@/lib/services/board-page";
import { getEnvironmentPage } from "@/lib/services/environment-page";
import { BUSY_MAX_AGE_MS, clearRevisionCache, readAtRevision } from "@/lib/services/revision-cache";
import { countingDb } from "@/lib/testing/counting-db";
import { testDatabases } from "@/lib/testing/databases";
import { pipelineWithTwoReleases, placeRelease } from "@/lib/testing/releases";

// Issue 13: a board or an environment page read once per change of its pipeline (lib/services/revision-cache.ts), never
// showing what an earlier revision showed after the pipeline changed.
describe.each(testDatabases)("the board's reads shared at one revision, on $name", (database) => {
  let connection: Connection;
  let admin: Actor;
  const clock = fixedClock("2026-03-02T10:00:00Z");
  const at = new Date("2026-03-02T09:00:00Z");
  let releases: { first: string; second: string };

  beforeAll(async () => {
    connection = await database.open();
    ({ admin, releases } = await pipelineWithTwoReleases(connection.db, at));
  });
  afterAll(() => connection?.close());

  const devRelease = (board: Awaited<ReturnType<typeof getBoardPage>>) => board.columns.find((c) => c.environment.name === "dev")?.release?.releaseId ?? null;

  it("reads the pipeline's rows once per revision, and again as soon as a change moves it", async () => {
    const counted = countingDb(connection);
    const view = async () => {
      const before = counted.count();
      const board = await getBoardPage({ db: counted.db, actor: admin, clock }, { pipeline: "shop" });
      return { board, statements: counted.count() - before };
    };
    const first = await view();
    const second = await view();
    expect(devRelease(first.board)).toBe(releases.first);
    // The pipeline's token, then the freezes (which still count moves with the time): the chain, rows, facts, cells and incidents come from the first view.
    expect(second.statements).toBe(2);
    expect(first.statements).toBeGreaterThan(second.statements + 2);
    expect(second.board.revision).toBe(first.board.revision);
    expect(second.board.columns).toEqual(first.board.columns);
    expect(second.board.rows).toEqual(first.board.rows);

    // Written through another handle (another process, the controller): committed, it moves the token.
    await placeRelease(connection.db, "dev", releases.second!, new Date("2026-03-02T09:30:00Z"), admin.id);
    const third = await view();
    expect(third.board.revision).not.toBe(first.board.revision);
    expect(third.statements).toBe(first.statements);
    expect(devRelease(third.board)).toBe(releases.second);
    expect(Object.values(third.board.columns[0]!.environment.apps).map((c) => c.releaseId)).toEqual([releases.second, releases.second, releases.second]);
  });

  it("reads an environment page once per revision, a filtered one on every view, and a change at the next view", async () => {
    const counted = countingDb(connection);
    const view = async (input: Record<string, unknown> = {}) => {
      const before = counted.count();
      const page = await getEnvironmentPage({ db: counted.db, actor: admin, clock }, { pipeline: "shop", name: "qa", ...input });
      return { page, statements: counted.count() - before };
    };
    const first = await view();
    const second = await view();
    expect(first.page.current).toBeNull();
    // The token only: the freezes are shared at it too, the traffic within its minute.
    expect(second.statements).toBe(1);
    expect(first.statements).toBeGreaterThan(second.statements + 4);
    expect(second.page.apps).toEqual(first.page.apps);
    const filtered = [await view({ q: "port" }), await view({ q: "port" })];
    // Its own statement (the token inside it: the filters' SQL reads the time); the rest is shared.
    expect(filtered.map((f) => f.statements)).toEqual([1, 1]);
    expect(filtered[1]!.page.apps.items.map((row) => row.app)).toEqual(["portal"]);

    await placeRelease(connection.db, "qa", releases.first!, at, admin.id);
    const third = await view();
    expect(third.page.revision).not.toBe(first.page.revision);
    expect(third.page.current?.id).toBe(releases.first);
    expect(third.page.apps.items.map((row) => row.cell?.releaseId)).toEqual([releases.first, releases.first, releases.first]);
  });

  it("applies the time per view: a freeze that starts and a reading that goes stale between two views at one revision show", async () => {
    const counted = countingDb(connection);
    const at = (iso: string) => ({ db: counted.db, actor: admin, clock: fixedClock(iso) });
    await connection.db.insert(freezes).values({ id: "frz_soon", name: "Soon", reason: "starts at 10:05", startsAt: new Date("2026-03-02T10:05:00Z"), endsAt: new Date("2026-03-02T11:00:00Z"), createdBy: admin.id });
    const before = await getBoardPage(at("2026-03-02T09:31:00Z"), { pipeline: "shop" });
    const startsAfter = counted.count();
    const after = await getBoardPage(at("2026-03-02T10:10:00Z"), { pipeline: "shop" });
    expect(counted.count() - startsAfter).toBe(2);
    expect(after.revision).toBe(before.revision);
    expect(before.columns[0]!.gateState.frozen).toEqual([]);
    expect(after.columns[0]!.gateState.frozen.map((f) => f.name)).toEqual(["Soon"]);
    // dev's readings were taken at 09:30: fresh a minute later, stale forty minutes later, from the same shared cells.
    expect(Object.values(before.columns[0]!.environment.apps).map((c) => c.health.stale)).toEqual([false, false, false]);
    expect(Object.values(after.columns[0]!.environment.apps).map((c) => c.health.stale)).toEqual([true, true, true]);
    await connection.db.delete(freezes);
  });

  it("shares an environment page's freeze rows at the token, applying the time per view: a freeze starts, a new one shows", async () => {
    const counted = countingDb(connection);
    const at = (iso: string) => ({ db: counted.db, actor: admin, clock: fixedClock(iso) });
    await connection.db.insert(freezes).values({ id: "frz_later", name: "Later", reason: "starts at 10:05", startsAt: new Date("2026-03-02T10:05:00Z"), endsAt: new Date("2026-03-02T11:00:00Z"), createdBy: admin.id });
    const before = await getEnvironmentPage(at("2026-03-02T09:31:00Z"), { pipeline: "shop", name: "qa" });
    const startsAfter = counted.count();
    const after = await getEnvironmentPage(at("2026-03-02T10:10:00Z"), { pipeline: "shop", name: "qa" });
    // The token and the traffic (another minute): the freeze rows come from the shared read.
    expect(counted.count() - startsAfter).toBe(2);
    expect(after.revision).toBe(before.revision);
    expect(before.freezes.map((f) => [f.name, f.state])).toEqual([["Later", "upcoming"]]);
    expect(after.freezes.map((f) => [f.name, f.state])).toEqual([["Later", "active"]]);
    // Past its end it is gone from the page, from the same rows.
    expect((await getEnvironmentPage(at("2026-03-02T11:30:00Z"), { pipeline: "shop", name: "qa" })).freezes).toEqual([]);
    // A freeze declared moves the token: the next view reads the rows again and shows it.
    await connection.db.insert(freezes).values({ id: "frz_now", name: "Now", reason: "incident review", startsAt: new Date("2026-03-02T09:00:00Z"), endsAt: new Date("2026-03-02T12:00:00Z"), createdBy: admin.id });
    const declared = await getEnvironmentPage(at("2026-03-02T10:10:00Z"), { pipeline: "shop", name: "qa" });
    expect(declared.revision).not.toBe(before.revision);
    expect(declared.freezes.map((f) => f.name).sort()).toEqual(["Later", "Now"]);
    await connection.db.delete(freezes);
  });

  it("shares a board showing a rollout in progress for about a second only (its steps' logs and gate reasons move every second)", async () => {
    const counted = countingDb(connection);
    const view = async () => {
      const before = counted.count();
      await getBoardPage({ db: counted.db, actor: admin, clock }, { pipeline: "shop" });
      return counted.count() - before;
    };
    const quiet = await view();
    await new Promise((resolve) => setTimeout(resolve, BUSY_MAX_AGE_MS + 200));
    expect(await view()).toBe(2);
    const [dev] = await connection.db.select({ id: environments.id }).from(environments).where(eq(environments.name, "dev"));
    await connection.db.insert(deployments).values({ id: "dep_moving", environmentId: dev!.id, releaseId: releases.second!, kind: "promote", state: "running", requestedBy: admin.id, requestedVia: "api", startedAt: at });
    const moving = await view();
    expect(await view()).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, BUSY_MAX_AGE_MS + 200));
    expect(await view()).toBe(moving);
    expect(moving).toBe(quiet);
    await connection.db.delete(deployments).where(eq(deployments.id, "dep_moving"));
  });

  it("answers the views waiting on a read even when its entry is dropped before the read ends", async () => {
    let release!: () => void;
    const slow = () => new Promise<string>((resolve) => (release = () => resolve("read")));
    const waiting = [readAtRevision(connection.db, "test:dropped", "1", slow), readAtRevision(connection.db, "test:dropped", "1", slow)];
    clearRevisionCache(connection.db);
    release();
    expect(await Promise.all(waiting)).toEqual(["read", "read"]);
  });

  it("never shares inside a transaction, which sees its own writes before its commit moves the token", async () => {
    const counts = { pool: 0, transaction: 0 };
    const read = (where: keyof typeof counts) => async () => ({ reads: ++counts[where] });
    expect(await readAtRevision(connection.db, "test:pool", "7", read("pool"))).toEqual({ reads: 1 });
    expect(await readAtRevision(connection.db, "test:pool", "7", read("pool"))).toEqual({ reads: 1 });
    expect(await readAtRevision(connection.db, "test:pool", "8", read("pool"))).toEqual({ reads: 2 });
    await connection.db.transaction(async (tx) => {
      await readAtRevision(tx, "test:tx", "7", read("transaction"));
      expect(await readAtRevision(tx, "test:tx", "7", read("transaction"))).toEqual({ reads: 2 });
    });
  });

  it("does not keep a read that failed: the next view reads again", async () => {
    let calls = 0;
    const failing = async () => {
      calls += 1;
      if (calls === 1) throw new Error("connection lost");
      return "read";
    };
    await expect(readAtRevision(connection.db, "test:failing", "1", failing)).rejects.toThrow("connection lost");
    expect(await readAtRevision(connection.db, "test:failing", "1", failing)).toBe("read");
    expect(calls).toBe(2);
  });

  it("renews an entry past half its age with one read in the background: views answer with it meanwhile", async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    let reads = 0;
    let finishRenewal: () => void = () => undefined;
    const read = async () => {
      reads += 1;
      if (reads > 1) await new Promise<void>((resolve) => (finishRenewal = resolve));
      return reads;
    };
    const rule = { maxAgeMs: () => 600 };
    expect(await readAtRevision(connection.db, "test:renew", "1", read, rule)).toBe(1);
    expect(reads).toBe(1);
    await sleep(350);
    // Past half its age: answered at once, and one renewal started.
    expect(await readAtRevision(connection.db, "test:renew", "1", read, rule)).toBe(1);
    expect(await readAtRevision(connection.db, "test:renew", "1", read, rule)).toBe(1);
    expect(reads).toBe(2);
    finishRenewal();
    await sleep(20);
    expect(await readAtRevision(connection.db, "test:renew", "1", read, rule)).toBe(2);
    expect(reads).toBe(2);
  });

  it("shares one read between views that miss together", async () => {
    let calls = 0;
    const slow = async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return calls;
    };
    const views = await Promise.all(Array.from({ length: 5 }, () => readAtRevision(connection.db, "test:together", "1", slow)));
    expect(views).toEqual([1, 1, 1, 1, 1]);
  });

  it("shares its rows read-only: a view that changes them throws instead of changing the next view", async () => {
    const board = await getBoardPage({ db: connection.db, actor: admin, clock }, { pipeline: "shop" });
    expect(() => board.rows.apps.push({ id: "x", name: "x", description: null, team: null })).toThrow(TypeError);
    expect(() => {
      (board.rows.apps[0] as { name: string }).name = "renamed";
    }).toThrow(TypeError);
    const again = await getBoardPage({ db: connection.db, actor: admin, clock }, { pipeline: "shop" });
    expect(again.rows.apps.map((a) => a.name)).toEqual(["portal", "admin", "api-gateway"]);
  });
});
