import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { environmentApps, environments, jobRuns } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { setConfigVariable, listConfig } from "@/lib/services/config-vars";
import { getDeployment } from "@/lib/services/deployment-queries";
import { requestDeployment, requestRollback } from "@/lib/services/deployments";
import { registerBuild } from "@/lib/services/builds";
import { createRelease } from "@/lib/services/releases";
import { ForbiddenError, RuleError, ValidationError } from "@/lib/services/errors";
import { liftHold } from "@/lib/services/holds";
import { requestJob } from "@/lib/services/jobs";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";
import { snapshotDatabase } from "@/lib/testing/reset";
import { Controller } from "../controller";

process.env.SLIPWAY_SECRET_KEY ??= Buffer.alloc(32, 3).toString("base64");

describe.each(testDatabases)("strategies, jobs, smoke checks and config on $name", (database) => {
  let connection: Connection;
  let developer: Actor;
  let lead: Actor;
  let techLead: Actor;
  let platform: FakePlatform;
  let controller: Controller;
  let smokeAnswer = { status: 200, body: "portal home" };
  const smokeServer = http.createServer((_req, res) => res.writeHead(smokeAnswer.status).end(smokeAnswer.body));
  let reset: () => Promise<void>;

  beforeAll(async () => {
    connection = await database.open();
    reset = await snapshotDatabase(connection.db);
    await new Promise<void>((resolve) => smokeServer.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    smokeServer.close();
    await connection.close();
  });
  // Each test starts from an empty pipeline, a fresh platform and a fresh controller, and builds what it needs.
  beforeEach(async () => {
    await reset();
    await loadTestPipeline(connection.db);
    developer = await createTestActor(connection.db, ["developer"]);
    lead = await createTestActor(connection.db, ["delivery-lead"]);
    techLead = await createTestActor(connection.db, ["tech-lead"]);
    smokeAnswer = { status: 200, body: "portal home" };
    platform = new FakePlatform();
    platform.urls.set("dev/portal", `http://127.0.0.1:${(smokeServer.address() as AddressInfo).port}`);
    controller = new Controller({ connection, createPlatform: async () => platform, log: () => {}, verifyTimeoutMs: 300, healthEveryMs: 60_000, rollingPauseMs: 5 });
    // dev gets a smoke check and a hook for these tests.
    const [dev] = await connection.db.select().from(environments).where(eq(environments.name, "dev"));
    await connection.db
      .update(environments)
      .set({
        settings: { ...(dev!.settings as object), smoke: [{ name: "home page", app: "portal", path: "/", expectStatus: 200, expectBody: "portal" }], hooks: [{ name: "notify-crm", app: "admin", job: "notify", when: "after-deploy" }] },
      })
      .where(eq(environments.id, dev!.id));
  });
  afterEach(async () => {
    await controller.stop({ stopApps: false });
  });

  const ctx = (actor = developer) => contextFor(connection.db, actor);
  const deploy = async (releaseId: string, extra: Record<string, unknown> = {}) => {
    const deployment = await requestDeployment(ctx(), { environment: "dev", releaseId, ...extra });
    await controller.runUntilIdle();
    return getDeployment(connection.db, deployment.id);
  };
  /** Fixture: `version` released and rolled out to dev (by `strategy`, else dev's own). */
  const deployed = async (version: string, extra: Record<string, unknown> = {}) => {
    const detail = await deploy((await makeRelease(connection.db, developer, version)).id, extra);
    expect(detail.state).toBe("succeeded");
    return detail;
  };

  it("blue-green keeps the previous release warm; a rollback is then a traffic switch, and puts the environment on hold", async () => {
    await deploy((await makeRelease(connection.db, developer, "1.0.0")).id, { strategy: "blue-green" });
    const second = await deploy((await makeRelease(connection.db, developer, "1.1.0")).id, { strategy: "blue-green" });
    expect(second.state).toBe("succeeded");
    expect(second.steps.some((s) => s.name.startsWith("Retire"))).toBe(false);
    expect((await platform.status("dev", "portal"))?.standby?.version).toBe("1.0.0");
    const [cell] = await connection.db
      .select()
      .from(environmentApps)
      .where(eq(environmentApps.url, platform.urls.get("dev/portal")!));
    expect(cell?.warmUntil).toBeTruthy();

    const rollback = await requestRollback(ctx(), { environment: "dev", reason: "orders failing" });
    await controller.runUntilIdle();
    const detail = await getDeployment(connection.db, rollback.id);
    expect(detail.state).toBe("succeeded");
    expect(detail.steps.find((s) => s.name === "Roll back portal")!.log).toMatch(/was still warm: switched back in [\d.]+ ms/);
    expect(platform.serving("dev", "portal")).toBe("1.0.0");
    const [dev] = await connection.db.select().from(environments).where(eq(environments.name, "dev"));
    expect(dev).toMatchObject({ heldBy: developer.id, holdReason: expect.stringContaining("orders failing") });

    await expect(liftHold(ctx(developer), { environment: "dev", reason: "fixed" })).rejects.toBeInstanceOf(ForbiddenError);
    await liftHold(ctx(lead), { environment: "dev", reason: "fixed in 1.2.0" });
    expect((await connection.db.select().from(environments).where(eq(environments.name, "dev")))[0]!.heldAt).toBeNull();
  });

  it("recreate closes the environment, stops the old release, migrates once, starts the new one and reopens; it reports how long it was closed", async () => {
    await deployed("1.0.0");
    platform.calls.length = 0;
    const release = await makeRelease(connection.db, developer, "2.0.0", { changedFiles: { portal: ["services/portal/migrations/0009_carts.sql"] } });
    const detail = await deploy(release.id, { strategy: "recreate" });
    expect(detail.state).toBe("succeeded");
    expect(detail.strategy).toBe("recreate");
    const order = platform.calls.filter((c) => /^(maintenance|stop-active|job|start|switch) dev\/portal/.test(c));
    expect(order).toEqual(["maintenance dev/portal on", "stop-active dev/portal", "job dev/portal migrate", "start dev/portal 2.0.0", "switch dev/portal", "maintenance dev/portal off"]);
    expect((detail.detail as { closedMs?: number }).closedMs).toEqual(expect.any(Number));
    expect(detail.steps.find((s) => s.name === "Reopen")!.log).toMatch(/open again after \d+ ms closed/);
    expect(detail.steps.find((s) => s.name === "Migrate portal")!.log).toContain("1 migration file(s) changed since 1.0.0: services/portal/migrations/0009_carts.sql");
    expect(detail.steps.find((s) => s.name === "Migrate api-gateway")).toMatchObject({ state: "skipped", log: expect.stringContaining("no file under services/api-gateway/migrations/** changed") });
    const [job] = await connection.db.select().from(jobRuns).where(eq(jobRuns.deploymentId, detail.id));
    expect(job).toMatchObject({ job: "migrate", state: "succeeded", exitCode: 0, trigger: expect.stringContaining("migrations: 1 migration file(s) changed") });
  });

  it("forced migrations run although nothing changed; a failing migration fails the deployment before traffic moves", async () => {
    await deployed("2.0.0");
    const forced = await deploy((await makeRelease(connection.db, developer, "2.1.0")).id, { forceMigrations: true });
    expect(forced.steps.find((s) => s.name === "Migrate portal")).toMatchObject({ state: "succeeded" });
    expect((forced.detail as { migrations: Record<string, { reason: string }> }).migrations.portal!.reason).toBe("forced by the requester");

    platform.failingJobs.set("migrate", "ERROR: relation carts already exists");
    const failing = await deploy((await makeRelease(connection.db, developer, "2.2.0")).id, { forceMigrations: true });
    platform.failingJobs.delete("migrate");
    expect(failing.state).toBe("failed");
    expect(failing.failureReason).toContain("relation carts already exists");
    expect(platform.serving("dev", "portal")).toBe("2.1.0");
  });

  it("a failing smoke check fails the deployment and switches back to the warm previous release", async () => {
    await deployed("2.1.0");
    smokeAnswer = { status: 500, body: "boom" };
    const detail = await deploy((await makeRelease(connection.db, developer, "3.0.0")).id, { strategy: "blue-green" });
    smokeAnswer = { status: 200, body: "portal home" };
    expect(detail.state).toBe("failed");
    expect(detail.failureReason).toMatch(/Smoke check: home page: GET http:\/\/127\.0\.0\.1:\d+\/ answered 500, expected 200/);
    expect(detail.steps.at(-1)!.log).toContain("portal: switched back to 2.1.0, still warm");
    expect(platform.serving("dev", "portal")).toBe("2.1.0");
  });

  it("a failing hook is recorded but does not fail a live release", async () => {
    await deployed("3.0.0");
    platform.failingJobs.set("notify", "crm unreachable");
    const detail = await deploy((await makeRelease(connection.db, developer, "3.1.0")).id);
    platform.failingJobs.delete("notify");
    expect(detail.state).toBe("succeeded");
    expect(detail.steps.find((s) => s.name === "Hook notify-crm")).toMatchObject({ state: "failed", log: expect.stringContaining("crm unreachable") });
    expect((detail.detail as { warnings: string[] }).warnings[0]).toContain("Hook notify-crm");
  });

  it("config variables reach the apps on a config deployment; secrets are encrypted, masked, audited without values and redacted from output", async () => {
    await deployed("3.1.0");
    await expect(setConfigVariable(ctx(developer), { environment: "dev", key: "POOL", value: "5", reason: "tune" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setConfigVariable(ctx(techLead), { environment: "dev", key: "pool", value: "5", reason: "tune" })).rejects.toBeInstanceOf(ValidationError);
    await expect(setConfigVariable(ctx(techLead), { environment: "dev", key: "POOL", value: "5", reason: "" })).rejects.toBeInstanceOf(ValidationError);
    await setConfigVariable(ctx(techLead), { environment: "dev", key: "POOL", value: "5", reason: "more connections" });
    await setConfigVariable(ctx(techLead), { environment: "dev", app: "portal", key: "DB_PASSWORD", value: "hunter2-very-secret", secret: true, reason: "rotate" });
    const listed = await listConfig(ctx(developer), { environment: "dev" });
    expect(listed.find((v) => v.key === "DB_PASSWORD")).toMatchObject({ secret: true, value: null, app: "portal" });
    expect(JSON.stringify(listed)).not.toContain("hunter2");

    platform.failingJobs.set("migrate", "connecting with hunter2-very-secret failed");
    const running = (
      await connection.db
        .select()
        .from(environmentApps)
        .where(eq(environmentApps.url, platform.urls.get("dev/portal")!))
    )[0]!;
    const config = await deploy(running.releaseId!, { kind: "config", forceMigrations: true });
    platform.failingJobs.delete("migrate");
    expect(config.failureReason).toContain("[secret]");
    expect(JSON.stringify(config)).not.toContain("hunter2");
    const jobs = await connection.db.select().from(jobRuns).where(eq(jobRuns.deploymentId, config.id));
    expect(JSON.stringify(jobs)).not.toContain("hunter2");

    const applied = await deploy(running.releaseId!, { kind: "config" });
    expect(applied.state).toBe("succeeded");
    expect(platform.lastSpecs.get("dev/portal")!.config).toEqual({ POOL: "5", DB_PASSWORD: "hunter2-very-secret" });
    // Same build, new slot: the config deployment's processes are the ones serving, not the old ones.
    expect((await platform.status("dev", "portal"))!.active!.reference).toBe(applied.id);
    expect((await platform.status("dev", "admin"))!.active!.reference).toBe(applied.id);
    expect(platform.lastSpecs.get("dev/admin")!.config).toEqual({ POOL: "5" });
  });

  it("a seed runs only by hand, once, its output kept; the last environment wants its name typed", async () => {
    await deployed("3.1.0");
    await expect(requestJob(ctx(developer), { environment: "dev", app: "portal" })).rejects.toBeInstanceOf(ForbiddenError);
    const job = await requestJob(ctx(lead), { environment: "dev", app: "portal" });
    await controller.runUntilIdle();
    const [row] = await connection.db.select().from(jobRuns).where(eq(jobRuns.id, job.id));
    expect(row).toMatchObject({ state: "succeeded", exitCode: 0, trigger: "by hand", output: expect.stringContaining("ran seed for portal") });
    await expect(requestJob(ctx(lead), { environment: "prod", app: "portal" })).rejects.toMatchObject({ fields: { confirm: 'type "prod" to confirm' } });
    await expect(requestJob(ctx(lead), { environment: "prod", app: "portal", confirm: "prod" })).rejects.toBeInstanceOf(RuleError); // nothing deployed there in this test
  });
  it("consecutive blue-green deployments work when some apps carry the same build (each deployment gets its own slots)", async () => {
    await deployed("1.5.0"); // admin and api-gateway are carried over from it
    const carry = async (version: string) => {
      const c = ctx();
      const commit = `${version.replace(/\D/g, "")}`.padEnd(40, "e");
      const { build } = await registerBuild(c, { app: "portal", version, commit, branch: "develop", digest: `sha256:${commit.padEnd(64, "f")}`, artifact: "/a.mjs", changedFiles: [] });
      return (await createRelease(c, { commit, branch: "develop", builds: [build.id], source: "dev" })).release;
    };
    const first = await deploy((await carry("1.5.1")).id, { strategy: "blue-green" });
    const second = await deploy((await carry("1.5.2")).id, { strategy: "blue-green" });
    expect([first.state, second.state]).toEqual(["succeeded", "succeeded"]);
    expect((await platform.status("dev", "admin"))!.active!.reference).toBe(second.id);
    await liftHold(ctx(lead), { environment: "dev", reason: "next test" }).catch(() => {});
  });
});
