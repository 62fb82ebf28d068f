import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { controllerLeases, deployments } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { requestDeployment } from "@/lib/services/deployments";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";
import { Controller } from "../controller";
import { fencedTransaction, LostLeadershipError } from "../fencing";
import { fencePlatform } from "../fenced-platform";
import { LeaderElection } from "../leader";

const LEASE_MS = 15_000;

describe.each(testDatabases)("controller leadership is a lease on $name", (database) => {
  let connection: Connection;
  let developer: Actor;
  const clock = fixedClock("2026-05-01T10:00:00Z");

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    developer = await createTestActor(connection.db, ["developer"]);
  });
  afterAll(() => connection.close());
  beforeEach(async () => {
    await connection.db.delete(controllerLeases);
  });

  it("a standby takes over once the leader's heartbeat is older than the lease, not before", async () => {
    const leader = new LeaderElection(connection, "host:1", clock, LEASE_MS);
    const standby = new LeaderElection(connection, "host:2", clock, LEASE_MS);
    expect(await leader.tryAcquire()).toBe(1);
    expect(await standby.tryAcquire()).toBeNull();
    clock.advance(10_000);
    expect(await leader.heartbeat()).toBe(true);
    // The leader is frozen (SIGSTOP) from here: no more heartbeats.
    clock.advance(LEASE_MS - 1);
    expect(await standby.tryAcquire()).toBeNull();
    clock.advance(2);
    expect(await standby.tryAcquire()).toBe(2);
    const [lease] = await connection.db.select().from(controllerLeases);
    expect(lease).toMatchObject({ holder: "host:2", fencingToken: 2 });

    // SIGCONT: the old leader still believes it leads; its next platform write is refused first.
    expect(leader.fencingToken).toBe(1);
    await expect(leader.ensureHolding()).rejects.toBeInstanceOf(LostLeadershipError);
    expect(leader.fencingToken).toBeNull();
    // And its database writes are refused by the fencing token.
    await expect(fencedTransaction(connection.db, 1, async () => "written")).rejects.toBeInstanceOf(LostLeadershipError);
    expect(await standby.ensureHolding()).toBe(2);
  });

  it("a leader slowed past its lease, with no standby around, renews and carries on", async () => {
    const leader = new LeaderElection(connection, "host:1", clock, LEASE_MS);
    expect(await leader.tryAcquire()).toBe(1);
    clock.advance(LEASE_MS * 3);
    expect(await leader.ensureHolding()).toBe(1);
  });

  it("a graceful stop hands the lease over at once", async () => {
    const leader = new LeaderElection(connection, "host:1", clock, LEASE_MS);
    const standby = new LeaderElection(connection, "host:2", clock, LEASE_MS);
    await leader.tryAcquire();
    await leader.release();
    expect(await standby.tryAcquire()).toBe(2);
  });

  it("a woken, deposed leader's platform writes never reach the platform", async () => {
    const platform = new FakePlatform();
    const leader = new LeaderElection(connection, "host:1", clock, LEASE_MS);
    await leader.tryAcquire();
    const fenced = fencePlatform(platform, () => leader.ensureHolding());
    clock.advance(LEASE_MS + 1);
    await new LeaderElection(connection, "host:2", clock, LEASE_MS).tryAcquire();
    const before = platform.calls.length;
    await expect(fenced.stopActive("dev", "portal")).rejects.toBeInstanceOf(LostLeadershipError);
    await expect(fenced.switchTraffic("dev", "portal")).rejects.toBeInstanceOf(LostLeadershipError);
    expect(platform.calls.length).toBe(before);
  });

  it("two controllers: the hung leader is replaced, the standby rolls out, the woken leader steps down untouched", async () => {
    const platformA = new FakePlatform();
    const platformB = new FakePlatform();
    const options = { connection, clock, log: () => {}, verifyTimeoutMs: 300, healthEveryMs: 3_600_000, rollingPauseMs: 1, autoPromoteEveryMs: 3_600_000, driftEveryMs: 3_600_000, leaseMs: LEASE_MS };
    const a = new Controller({ ...options, createPlatform: async () => platformA });
    const b = new Controller({ ...options, createPlatform: async () => platformB });
    // Different processes in real life: give them different holder names.
    Object.defineProperty(b, "holder", { value: "other-host:2" });
    (b as unknown as { election: LeaderElection }).election = new LeaderElection(connection, "other-host:2", clock, LEASE_MS);
    try {
      await a.tick();
      expect(a.isLeader).toBe(true);
      await b.tick();
      expect(b.isLeader).toBe(false);

      // a hangs; meanwhile a deployment is asked for and the lease runs out.
      const release = await makeRelease(connection.db, developer, "9.9.0");
      const deployment = await requestDeployment(contextFor(connection.db, developer, clock.now().toISOString()), { environment: "dev", releaseId: release.id });
      clock.advance(LEASE_MS + 1);
      await b.runUntilIdle();
      expect(b.isLeader).toBe(true);
      const [row] = await connection.db.select().from(deployments).where(eq(deployments.id, deployment.id));
      expect(row!.state).toBe("succeeded");

      // a wakes up: it stands down before touching the platform.
      const callsBefore = platformA.calls.length;
      await a.tick();
      expect(a.isLeader).toBe(false);
      // Only letting go of its platform object (dispose, without stopping apps): no write, no read.
      expect(platformA.calls.slice(callsBefore)).toEqual(["dispose"]);
    } finally {
      await a.stop({ stopApps: false });
      await b.stop({ stopApps: false });
    }
  });
});
