import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Connection } from "@/db/client";
import { fixedClock } from "@/lib/domain/clock";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { loadTestPipeline } from "@/lib/testing/fixtures";
import { Controller } from "../controller";
import { ReconcileSchedule, reconciler } from "../reconciler";
import { runStep, type StepEnvironment } from "../steps";

describe("the reconcile schedule on a manual clock", () => {
  it("runs each reconciler in order when its interval has passed on the clock, counting a failed run", async () => {
    const clock = fixedClock("2026-07-01T10:00:00Z");
    const ran: string[] = [];
    let slowEvery = 5000;
    let failing = true;
    const schedule = new ReconcileSchedule(clock, [
      reconciler("every-pass", 0, () => void ran.push("every-pass")),
      reconciler("second", 1000, () => {
        ran.push("second");
        if (failing) throw new Error("second exploded");
      }),
      reconciler(
        "slow",
        () => slowEvery,
        (now) => void ran.push(`slow@${now.toISOString()}`),
      ),
    ]);
    // A reconciler never run is due; an error ends the pass (the one after it waits for the next).
    await expect(schedule.runDue()).rejects.toThrow("second exploded");
    expect(ran).toEqual(["every-pass", "second"]);
    failing = false;
    ran.length = 0;
    expect(await schedule.runDue()).toEqual(["every-pass", "slow"]); // the failed run counts: "second" waits its second
    expect(ran).toEqual(["every-pass", "slow@2026-07-01T10:00:00.000Z"]);
    clock.advance(999);
    expect(await schedule.runDue()).toEqual(["every-pass"]);
    clock.advance(1);
    expect(await schedule.runDue()).toEqual(["every-pass", "second"]);
    clock.advance(3999);
    expect(await schedule.runDue()).toEqual(["every-pass", "second"]);
    clock.advance(1);
    ran.length = 0;
    expect(await schedule.runDue()).toEqual(["every-pass", "slow"]);
    expect(ran).toEqual(["every-pass", "slow@2026-07-01T10:00:05.000Z"]); // run() gets the pass's reading of the clock
    // Intervals are read on every pass (options may change them); markRan moves the count.
    slowEvery = 100;
    clock.advance(100);
    expect(await schedule.runDue()).toEqual(["every-pass", "slow"]);
    schedule.markRan("second", clock.now());
    clock.advance(999);
    expect(await schedule.runDue()).not.toContain("second");
    expect(schedule.isDue("second", clock.now().getTime() + 1)).toBe(true);
    // markDue makes it due on the next pass however recently it ran (drift once a restore ends).
    clock.advance(1);
    expect(await schedule.runDue()).toContain("second");
    expect(await schedule.runDue()).not.toContain("second");
    schedule.markDue("second");
    expect(await schedule.runDue()).toContain("second");
    expect(() => schedule.isDue("nope", 0)).toThrow("No reconciler named nope.");
    expect(() => new ReconcileSchedule(clock, [reconciler("a", 0, () => {}), reconciler("a", 1, () => {})])).toThrow("Reconciler names must be unique.");
  });

  it("reports how long an environment was closed from the injected clock, not the wall clock", async () => {
    const clock = fixedClock("2020-01-01T00:00:00Z");
    const closedAt = clock.now();
    clock.advance(4_321);
    const platform = new FakePlatform();
    const env = { platform, environment: "dev", plans: [{ app: "portal" }], closedSince: () => closedAt, now: () => clock.now() } as unknown as StepEnvironment;
    expect(await runStep(env, { action: "reopen", app: undefined, percent: undefined, index: undefined } as never, "active")).toBe("dev is open again after 4321 ms closed.");
  });
});

describe.each(testDatabases)("the controller's reconcilers on its injected clock on $name", (database) => {
  let connection: Connection;
  let controller: Controller | null = null;
  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
  });
  afterEach(async () => {
    await controller?.stop({ stopApps: false });
    controller = null;
  });
  afterAll(() => connection.close());

  it("each reconciler runs on its interval of the injected clock, however little wall time passes", async () => {
    const clock = fixedClock("2026-07-01T10:00:00Z");
    controller = new Controller({
      connection,
      createPlatform: async () => new FakePlatform(),
      clock,
      log: () => {},
      heartbeatMs: 5_000,
      healthEveryMs: 10_000,
      driftEveryMs: 30_000,
      autoPromoteEveryMs: 7_000,
    });
    const runs = new Map<string, number>();
    for (const r of controller.schedule.reconcilers) {
      const run = r.run.bind(r);
      vi.spyOn(r, "run").mockImplementation(async (now) => {
        runs.set(r.name, (runs.get(r.name) ?? 0) + 1);
        return run(now);
      });
    }
    const counts = () => Object.fromEntries([...runs].filter(([name]) => ["heartbeat", "health", "drift", "auto-promotion", "source-control", "delivery-retention", "start-queued"].includes(name)));
    // The first pass leads and restores (which samples health and counts as its heartbeat), then runs
    // everything else that was never run — drift too: what the restore put back must not keep a
    // drift found before it for a whole interval ("1 of 1 instances not running" after the app is back).
    await controller.tick();
    expect(controller.isLeader).toBe(true);
    expect(counts()).toEqual({ "start-queued": 1, "auto-promotion": 1, "delivery-retention": 1, "source-control": 1, drift: 1 });
    for (let i = 0; i < 4; i++) await controller.tick(); // no clock time passes: only every-pass work
    expect(counts()).toEqual({ "start-queued": 5, "auto-promotion": 1, "delivery-retention": 1, "source-control": 1, drift: 1 });
    clock.advance(5_000);
    await controller.tick();
    expect(counts()).toEqual({ "start-queued": 6, heartbeat: 1, "auto-promotion": 1, "delivery-retention": 1, "source-control": 2, drift: 1 });
    clock.advance(2_000); // 7 s since the first pass
    await controller.tick();
    expect(counts()).toMatchObject({ heartbeat: 1, "auto-promotion": 2, "source-control": 2 });
    expect(counts().health).toBeUndefined();
    clock.advance(3_000); // 10 s
    await controller.tick();
    expect(counts()).toMatchObject({ heartbeat: 2, health: 1, "auto-promotion": 2, "source-control": 3 });
    clock.advance(20_000); // 30 s
    await controller.tick();
    expect(counts()).toMatchObject({ heartbeat: 3, health: 2, drift: 2, "auto-promotion": 3, "source-control": 4, "delivery-retention": 1 });
    clock.advance(3_600_000);
    await controller.tick();
    expect(counts()).toMatchObject({ heartbeat: 4, health: 3, drift: 3, "delivery-retention": 2, "start-queued": 10 });
  });
});
