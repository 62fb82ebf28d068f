import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { getBoardPage } from "@/lib/services/board-page";
import { getEnvironmentPage } from "@/lib/services/environment-page";
import { readAtRevision } from "@/lib/services/revision-cache";
import { countingDb } from "@/lib/testing/counting-db";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";

// Issue 13: a board or an environment page read once per change of its pipeline (lib/services/revision-cache.ts), never
// showing what an earlier revision showed after the pipeline changed.
describe.each(testDatabases)("the board's reads shared at one revision, on $name", (database) => {
  let connection: Connection;
  let admin: Actor;
  const clock = fixedClock("2026-03-02T10:00:00Z");
  const at = new Date("2026-03-02T09:00:00Z");
  const releases: Record<string, string> = {};

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    admin = await createTestActor(connection.db, ["admin"], "ada");
    releases.first = (await makeRelease(connection.db, admin, "1.0.0", { at: "2026-03-01T08:00:00Z" })).id;
    releases.second = (await makeRelease(connection.db, admin, "1.1.0", { at: "2026-03-01T09:00:00Z" })).id;
    await placeRelease(connection.db, "dev", releases.first!, at, admin.id);
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
    // The token, then the freezes and the traffic (they move with the time).
    expect(second.statements).toBe(3);
    expect(first.statements).toBeGreaterThan(second.statements + 2);
    expect(second.page.apps).toEqual(first.page.apps);
    const filtered = [await view({ q: "port" }), await view({ q: "port" })];
    // Its own statement (the token inside it: the filters' SQL reads the time), then the freezes and traffic; the rest is shared.
    expect(filtered.map((f) => f.statements)).toEqual([3, 3]);
    expect(filtered[1]!.page.apps.items.map((row) => row.app)).toEqual(["portal"]);

    await placeRelease(connection.db, "qa", releases.first!, at, admin.id);
    const third = await view();
    expect(third.page.revision).not.toBe(first.page.revision);
    expect(third.page.current?.id).toBe(releases.first);
    expect(third.page.apps.items.map((row) => row.cell?.releaseId)).toEqual([releases.first, releases.first, releases.first]);
  });

  it("never shares inside a transaction, which sees its own writes before its commit moves the token", async () => {
    const counts = { pool: 0, transaction: 0 };
    const read = (where: keyof typeof counts) => async () => ({ reads: ++counts[where] });
    expect(await readAtRevision(connection.db, "test:pool", "7", read("pool"), () => 1)).toEqual({ reads: 1 });
    expect(await readAtRevision(connection.db, "test:pool", "7", read("pool"), () => 1)).toEqual({ reads: 1 });
    expect(await readAtRevision(connection.db, "test:pool", "8", read("pool"), () => 1)).toEqual({ reads: 2 });
    await connection.db.transaction(async (tx) => {
      await readAtRevision(tx, "test:tx", "7", read("transaction"), () => 1);
      expect(await readAtRevision(tx, "test:tx", "7", read("transaction"), () => 1)).toEqual({ reads: 2 });
    });
  });

  it("does not keep a read that failed: the next view reads again", async () => {
    let calls = 0;
    const failing = async () => {
      calls += 1;
      if (calls === 1) throw new Error("connection lost");
      return "read";
    };
    await expect(readAtRevision(connection.db, "test:failing", "1", failing, () => 1)).rejects.toThrow("connection lost");
    expect(await readAtRevision(connection.db, "test:failing", "1", failing, () => 1)).toBe("read");
    expect(calls).toBe(2);
  });

  it("shares one read between views that miss together", async () => {
    let calls = 0;
    const slow = async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return calls;
    };
    const views = await Promise.all(Array.from({ length: 5 }, () => readAtRevision(connection.db, "test:together", "1", slow, () => 1)));
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
