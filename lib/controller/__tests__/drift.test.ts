import { and, asc, eq, gt, like } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, auditEvents, deployments, environmentApps, environments } from "@/db/schema";
import { automationActor, type Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { recordAudit } from "@/lib/services/audit";
import type { SlotStatus } from "@/lib/platform/types";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";
import { PlatformRegistry } from "@/lib/platform/registry";
import { detectDrift, driftOf, type Drift } from "../drift";

const APPS = ["portal", "admin", "api-gateway"] as const;

/** A fake platform entry whose active slot is `active`. */
function entry(url: string, active: SlotStatus | null) {
  return { url, active, standby: null, maintenance: false, standbyShare: 0, asleep: false, lastRequestAt: null };
}

function slot(build: { id: string; version: string; digest: string }, releaseId: string, running: boolean[] = [true, true]): SlotStatus {
  return {
    reference: "test",
    buildId: build.id,
    releaseId,
    digest: build.digest,
    version: build.version,
    startedAt: "2026-03-01T00:00:00Z",
    instances: running.map((r, i) => ({ id: `i-${i + 1}`, address: `http://127.0.0.1:${6000 + i}`, running: r })),
  };
}

describe("driftOf", () => {
  const recorded = { buildId: "bld_1", releaseId: "rel_1", version: "1.2.0", digest: `sha256:${"a".repeat(64)}` };
  const status = (active: SlotStatus | null) => ({ environment: "prod", app: "portal", url: null, active, standby: null, maintenance: false, standbyShare: 0, asleep: false, lastRequestAt: null });
  const build = { id: "bld_1", version: "1.2.0", digest: recorded.digest };

  it("agrees when the active slot runs the recorded build on every instance", () => {
    expect(driftOf(recorded, status(slot(build, "rel_1")))).toBeNull();
  });
  it("says which kind of difference it found, in words a person reads on the board", () => {
    expect(driftOf(recorded, null)).toMatchObject({ kind: "not-running", message: "not running" });
    expect(driftOf(recorded, status(null))).toMatchObject({ kind: "not-running", message: "not running" });
    expect(driftOf(recorded, status(slot({ ...build, id: "bld_2", version: "1.3.0" }, "rel_2")))).toMatchObject({ kind: "other-build", message: "runs 1.3.0 instead of 1.2.0" });
    expect(driftOf(recorded, status(slot({ ...build, digest: `sha256:${"b".repeat(64)}` }, "rel_1")))).toMatchObject({
      kind: "other-build",
      message: `runs sha256:bbbbbbbbbbbb… instead of sha256:aaaaaaaaaaaa…`,
    });
    expect(driftOf(recorded, status(slot(build, "rel_1", [true, false])))).toMatchObject({ kind: "instances-down", message: "1 of 2 instances not running" });
    expect(driftOf(recorded, status(slot(build, "rel_1", [false, false])))?.observed.active?.instances).toEqual({ running: 0, total: 2 });
  });
});

describe.each(testDatabases)("drift detection on $name", (database) => {
  let connection: Connection;
  let developer: Actor;
  const clock = fixedClock("2026-03-05T09:00:00Z");
  const platform = new FakePlatform();
  const lines: string[] = [];
  const log = (line: string) => void lines.push(line);
  const reported = new Set<string>();
  /** environment → app → the build recorded there. */
  const recordedBuilds = new Map<string, Map<string, { id: string; version: string; digest: string; releaseId: string }>>();

  const detect = () => detectDrift(connection.db, PlatformRegistry.single(platform), clock, log, reported);
  const cell = async (environment: string, app: string) => {
    const [row] = await connection.db
      .select({ drift: environmentApps.drift, driftObservedAt: environmentApps.driftObservedAt })
      .from(environmentApps)
      .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
      .innerJoin(apps, eq(apps.id, environmentApps.appId))
      .where(and(eq(environments.name, environment), eq(apps.name, app)));
    return { drift: row!.drift as Drift | null, driftObservedAt: row!.driftObservedAt };
  };
  let lastSeq = 0;
  /** Drift audit events since the previous call. */
  const newAudits = async () => {
    const rows = await connection.db
      .select()
      .from(auditEvents)
      .where(and(like(auditEvents.action, "drift.%"), gt(auditEvents.seq, lastSeq)))
      .orderBy(asc(auditEvents.seq));
    lastSeq = rows.at(-1)?.seq ?? lastSeq;
    return rows;
  };
  const recordedIn = (environment: string, app: string) => recordedBuilds.get(environment)!.get(app)!;
  /** Makes the fake platform run exactly what is recorded, everywhere. */
  const agree = () => {
    platform.apps.clear();
    for (const [environment, byApp] of recordedBuilds) for (const [app, build] of byApp) platform.apps.set(`${environment}/${app}`, entry(`http://${environment}-${app}.test`, slot(build, build.releaseId)));
  };
  const fakeApp = (environment: string, app: string) => platform.apps.get(`${environment}/${app}`)!;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    developer = await createTestActor(connection.db, ["developer"]);
    const older = await makeRelease(connection.db, developer, "1.0.0");
    const newer = await makeRelease(connection.db, developer, "1.1.0");
    await placeRelease(connection.db, "prod", older.id, new Date("2026-03-02T10:00:00Z"), developer.id);
    await placeRelease(connection.db, "staging", newer.id, new Date("2026-03-03T10:00:00Z"), developer.id);
    for (const [environment, release] of [
      ["prod", older],
      ["staging", newer],
    ] as const) {
      const byApp = new Map<string, { id: string; version: string; digest: string; releaseId: string }>();
      for (const { app, build } of release.builds) byApp.set(app, { id: build.id, version: build.version, digest: build.digest, releaseId: release.id });
      recordedBuilds.set(environment, byApp);
    }
  });
  afterAll(async () => {
    await connection?.close();
  });
  beforeEach(async () => {
    agree();
    await detect(); // back to agreement, whatever the previous test left
    await newAudits();
    lines.length = 0;
  });

  it("finds nothing where the platform runs what is recorded, and audits nothing", async () => {
    expect(await detect()).toEqual({ checked: 6, drifting: 0 });
    for (const environment of ["staging", "prod"]) for (const app of APPS) expect(await cell(environment, app)).toEqual({ drift: null, driftObservedAt: null });
    expect(await newAudits()).toHaveLength(0);
  });

  it("records an app that is not running, audits it once, and keeps the time it was first seen", async () => {
    fakeApp("prod", "portal").active = null;
    expect(await detect()).toEqual({ checked: 6, drifting: 1 });
    const recorded = recordedIn("prod", "portal");
    expect(await cell("prod", "portal")).toEqual({
      drift: { kind: "not-running", message: "not running", observed: { active: null, standby: null }, recorded: { buildId: recorded.id, releaseId: recorded.releaseId, version: "1.0.0", digest: recorded.digest } },
      driftObservedAt: clock.now(),
    });
    const [event, ...more] = await newAudits();
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({ action: "drift.detected", actorId: "usr_automation", source: "automation", targetType: "environment", targetId: "shop/prod", data: { app: "portal", kind: "not-running", message: "not running" } });

    const firstSeen = clock.now();
    clock.advance(60_000);
    expect(await detect()).toEqual({ checked: 6, drifting: 1 });
    expect(await newAudits()).toHaveLength(0);
    expect((await cell("prod", "portal")).driftObservedAt).toEqual(firstSeen);
    expect(lines.filter((l) => l.includes("drift"))).toEqual(["prod/portal: drift: not running"]);
  });

  it("records another build in the active slot, by version, or by digest when the versions agree", async () => {
    const prodAdmin = recordedIn("prod", "admin");
    const stagingAdmin = recordedIn("staging", "admin");
    fakeApp("staging", "admin").active = slot(prodAdmin, prodAdmin.releaseId);
    fakeApp("prod", "api-gateway").active = { ...slot(recordedIn("prod", "api-gateway"), prodAdmin.releaseId), digest: `sha256:${"f".repeat(64)}` };
    expect(await detect()).toEqual({ checked: 6, drifting: 2 });
    expect((await cell("staging", "admin")).drift).toMatchObject({
      kind: "other-build",
      message: "runs 1.0.0 instead of 1.1.0",
      observed: { active: { buildId: prodAdmin.id, version: "1.0.0", instances: { running: 2, total: 2 } } },
      recorded: { buildId: stagingAdmin.id, version: "1.1.0" },
    });
    expect((await cell("prod", "api-gateway")).drift).toMatchObject({ kind: "other-build", message: expect.stringMatching(/^runs sha256:ffffffffffff… instead of sha256:/) });
    const events = await newAudits();
    expect(events.map((e) => [e.action, e.targetId, (e.data as { app: string }).app])).toEqual(
      expect.arrayContaining([
        ["drift.detected", "shop/staging", "admin"],
        ["drift.detected", "shop/prod", "api-gateway"],
      ]),
    );
    expect(events).toHaveLength(2);
  });

  it("records instances that are down, and audits a change of the difference with what it was before", async () => {
    const gateway = recordedIn("prod", "api-gateway");
    fakeApp("prod", "api-gateway").active = slot(gateway, gateway.releaseId, [true, false]);
    await detect();
    expect((await cell("prod", "api-gateway")).drift).toMatchObject({ kind: "instances-down", message: "1 of 2 instances not running" });
    expect(await newAudits()).toHaveLength(1);

    fakeApp("prod", "api-gateway").active = slot(gateway, gateway.releaseId, [false, false]);
    clock.advance(60_000);
    await detect();
    expect(await cell("prod", "api-gateway")).toMatchObject({ drift: { kind: "instances-down", message: "2 of 2 instances not running" }, driftObservedAt: clock.now() });
    const [changed, ...more] = await newAudits();
    expect(more).toHaveLength(0);
    expect(changed).toMatchObject({ action: "drift.detected", data: { app: "api-gateway", message: "2 of 2 instances not running", previous: { kind: "instances-down", message: "1 of 2 instances not running" } } });
  });

  it("clears the drift once the platform agrees again, and audits the clearing once", async () => {
    fakeApp("staging", "portal").active = null;
    fakeApp("prod", "admin").active = slot(recordedIn("staging", "admin"), "rel_x");
    expect(await detect()).toMatchObject({ drifting: 2 });
    await newAudits();

    agree();
    expect(await detect()).toEqual({ checked: 6, drifting: 0 });
    expect(await cell("staging", "portal")).toEqual({ drift: null, driftObservedAt: null });
    expect(await cell("prod", "admin")).toEqual({ drift: null, driftObservedAt: null });
    const events = await newAudits();
    expect(events.map((e) => [e.action, e.targetId, e.data])).toEqual(
      expect.arrayContaining([
        ["drift.cleared", "shop/staging", expect.objectContaining({ app: "portal", kind: "not-running", message: "not running" })],
        ["drift.cleared", "shop/prod", expect.objectContaining({ app: "admin", kind: "other-build", message: "runs 1.1.0 instead of 1.0.0" })],
      ]),
    );
    expect(events).toHaveLength(2);
    await detect();
    expect(await newAudits()).toHaveLength(0);
  });

  it("leaves an environment alone while a rollout runs there, and an app closed for maintenance or asleep", async () => {
    const [prod] = await connection.db.select().from(environments).where(eq(environments.name, "prod"));
    const rollout = newId("dep");
    await connection.db.insert(deployments).values({ id: rollout, environmentId: prod!.id, releaseId: recordedIn("staging", "portal").releaseId, kind: "promote", state: "running", requestedBy: developer.id, requestedVia: "api" });
    fakeApp("prod", "portal").active = slot(recordedIn("staging", "portal"), "rel_new");
    fakeApp("prod", "admin").active = null;
    fakeApp("staging", "api-gateway").active = null;
    fakeApp("staging", "api-gateway").maintenance = true;
    fakeApp("staging", "admin").active = null;
    fakeApp("staging", "admin").asleep = true;

    expect(await detect()).toEqual({ checked: 1, drifting: 0 });
    for (const app of APPS) expect((await cell("prod", app)).drift).toBeNull();
    expect((await cell("staging", "api-gateway")).drift).toBeNull();
    expect(await newAudits()).toHaveLength(0);

    // Once the rollout is over and the environment reopened, what still differs is drift.
    await connection.db.update(deployments).set({ state: "failed" }).where(eq(deployments.id, rollout));
    fakeApp("staging", "api-gateway").maintenance = false;
    fakeApp("staging", "admin").asleep = false;
    expect(await detect()).toEqual({ checked: 6, drifting: 4 });
    expect(await newAudits()).toHaveLength(4);
  });

  it("does not take a platform that cannot answer for drift", async () => {
    fakeApp("prod", "portal").active = null;
    await detect();
    await newAudits();
    const status = platform.status.bind(platform);
    platform.status = async (environment, app) => {
      if (environment === "prod") throw new Error("connection refused");
      return status(environment, app);
    };
    try {
      agree();
      expect(await detect()).toEqual({ checked: 3, drifting: 0 });
    } finally {
      platform.status = status;
    }
    expect((await cell("prod", "portal")).drift).toMatchObject({ kind: "not-running" }); // neither cleared nor changed
    expect(await newAudits()).toHaveLength(0);
    expect(lines).toContain("drift: could not ask the platform about prod/portal: connection refused");
  });

  it("audits an app of a known environment that Slipway never deployed, once, until it stops; logs unknown environments and apps once", async () => {
    const stagingPortal = recordedIn("staging", "portal");
    platform.apps.set("qa/portal", entry("http://qa-portal.test", slot(stagingPortal, stagingPortal.releaseId)));
    platform.apps.set("pr-999/portal", entry("http://pr.test", slot(stagingPortal, stagingPortal.releaseId)));
    platform.apps.set("prod/billing", entry("http://billing.test", slot(stagingPortal, stagingPortal.releaseId)));
    platform.apps.set("uat/admin", entry("http://uat-admin.test", null)); // an address, nothing running

    expect(await detect()).toEqual({ checked: 6, drifting: 1 });
    const [event, ...more] = await newAudits();
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({ action: "drift.detected", targetType: "environment", targetId: "shop/qa", data: { app: "portal", kind: "unrecorded", message: "runs 1.1.0, which Slipway did not deploy" } });
    expect(lines).toEqual(expect.arrayContaining(['drift: the platform runs pr-999/portal, but Slipway knows no live environment named "pr-999"', 'drift: the platform runs prod/billing, but slipway.yaml declares no app "billing"']));
    // The cell table keeps meaning "deployed here": no row appears for qa.
    const qaCells = await connection.db.select().from(environmentApps).innerJoin(environments, eq(environments.id, environmentApps.environmentId)).where(eq(environments.name, "qa"));
    expect(qaCells).toHaveLength(0);

    lines.length = 0;
    expect(await detect()).toEqual({ checked: 6, drifting: 1 });
    expect(await newAudits()).toHaveLength(0);
    expect(lines).toEqual([]);

    platform.apps.delete("qa/portal");
    expect(await detect()).toEqual({ checked: 6, drifting: 0 });
    const [cleared, ...others] = await newAudits();
    expect(others).toHaveLength(0);
    expect(cleared).toMatchObject({ action: "drift.cleared", targetId: "shop/qa", data: { app: "portal", kind: "unrecorded" } });
    await detect();
    expect(await newAudits()).toHaveLength(0);
  });

  it("remembers an older finding that named its environment bare, and clears it naming the environment qualified", async () => {
    await newAudits();
    await recordAudit(connection.db, automationActor(), clock, { action: "drift.detected", targetType: "environment", targetId: "qa", data: { app: "admin", kind: "unrecorded", message: "runs 0.9.0, which Slipway did not deploy" } });
    await newAudits();
    await detect();
    const [cleared, ...others] = await newAudits();
    expect(others).toHaveLength(0);
    expect(cleared).toMatchObject({ action: "drift.cleared", targetType: "environment", targetId: "shop/qa", data: { app: "admin", kind: "unrecorded" } });
    await detect();
    expect(await newAudits()).toHaveLength(0);
  });

  it("takes the same words about another recorded build for a new finding", async () => {
    fakeApp("prod", "portal").active = null;
    await detect();
    await newAudits();
    // A deployment records a new build while the drift about the old one is still on the cell.
    const staging = recordedIn("staging", "portal");
    const original = recordedIn("prod", "portal");
    const [prod] = await connection.db.select().from(environments).where(eq(environments.name, "prod"));
    const [portal] = await connection.db.select().from(apps).where(eq(apps.name, "portal"));
    const where = and(eq(environmentApps.environmentId, prod!.id), eq(environmentApps.appId, portal!.id));
    await connection.db.update(environmentApps).set({ buildId: staging.id, releaseId: staging.releaseId }).where(where);
    try {
      await detect();
      expect((await cell("prod", "portal")).drift).toMatchObject({ kind: "not-running", recorded: { buildId: staging.id, version: "1.1.0" } });
      const [event, ...more] = await newAudits();
      expect(more).toHaveLength(0);
      expect(event).toMatchObject({ action: "drift.detected", data: { recorded: { buildId: staging.id }, previous: { kind: "not-running" } } });
    } finally {
      await connection.db.update(environmentApps).set({ buildId: original.id, releaseId: original.releaseId }).where(where);
    }
  });

  it("drops an observation that a rollout starting meanwhile has made stale", async () => {
    const [prod] = await connection.db.select().from(environments).where(eq(environments.name, "prod"));
    const rollout = newId("dep");
    const status = platform.status.bind(platform);
    platform.status = async (environment, app) => {
      if (environment === "prod" && app === "portal") {
        await connection.db.insert(deployments).values({ id: rollout, environmentId: prod!.id, releaseId: recordedIn("staging", "portal").releaseId, kind: "promote", state: "running", requestedBy: developer.id, requestedVia: "api" });
      }
      return status(environment, app);
    };
    fakeApp("prod", "portal").active = null;
    try {
      await detect();
    } finally {
      platform.status = status;
      await connection.db.update(deployments).set({ state: "failed" }).where(eq(deployments.id, rollout));
    }
    expect((await cell("prod", "portal")).drift).toBeNull();
    expect(await newAudits()).toHaveLength(0);
  });
});
