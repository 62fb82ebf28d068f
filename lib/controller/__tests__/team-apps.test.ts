import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { environmentApps, environments, apps as appsTable } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { parsePipelineConfig } from "@/lib/config/load";
import { systemClock } from "@/lib/domain/clock";
import { LocalPlatform } from "@/lib/platform/local/local-platform";
import { removeTempDir, testPortBase, TEST_PORT_SPAN } from "@/lib/platform/local/testing/helpers";
import { decideApproval } from "@/lib/services/approvals";
import { registerBuild } from "@/lib/services/builds";
import { getDeployment } from "@/lib/services/deployment-queries";
import { requestDeployment, requestRollback } from "@/lib/services/deployments";
import { NotFoundError } from "@/lib/services/errors";
import { instanceLogs, listInstances } from "@/lib/services/instances";
import { syncPipeline } from "@/lib/services/pipeline-sync";
import { tickChecklist } from "@/lib/services/preflight";
import { createRelease } from "@/lib/services/releases";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor } from "@/lib/testing/fixtures";
import { TEAM_PIPELINE, httpServerApp, pythonApp, type TeamArtifact } from "@/lib/testing/team-apps";
import { Controller } from "../controller";

/**
 * The evidence that any team's app goes through Slipway: `http-server` from the npm registry and
 * `python3 -m http.server`, packed as Procfile tarballs by "CI", registered by URL and digest,
 * promoted dev → qa → uat → staging → prod through the gates, then rolled back. At every step the
 * apps' stable URLs serve what Slipway says runs there.
 */
const artifactsDir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-team-ci-"));
const artifacts: Record<string, TeamArtifact> = {};

beforeAll(() => {
  artifacts["site@1"] = httpServerApp(artifactsDir, "site-1.0.0", "site v1");
  artifacts["site@2"] = httpServerApp(artifactsDir, "site-2.0.0", "site v2");
  artifacts["docs@1"] = pythonApp(artifactsDir, "docs-1.0.0", "docs v1");
  artifacts["docs@2"] = pythonApp(artifactsDir, "docs-2.0.0", "docs v2");
});
afterAll(() => fs.rmSync(artifactsDir, { recursive: true, force: true }));

describe.each(testDatabases)("a team's own apps through the whole chain on $name", (database) => {
  let connection: Connection;
  let controller: Controller;
  let platform: LocalPlatform;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-team-data-"));
  let developer: Actor, lead: Actor, techLead: Actor, pm: Actor, viewer: Actor;
  const ctx = (actor: Actor) => ({ db: connection.db, actor, clock: systemClock });

  beforeAll(async () => {
    connection = await database.open();
    const parsed = parsePipelineConfig(TEAM_PIPELINE);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    await syncPipeline(connection.db, systemClock, parsed.config, parsed.hash);
    [developer, lead, techLead, pm, viewer] = await Promise.all([
      createTestActor(connection.db, ["developer"]),
      createTestActor(connection.db, ["delivery-lead"]),
      createTestActor(connection.db, ["tech-lead"]),
      createTestActor(connection.db, ["pm"]),
      createTestActor(connection.db, ["viewer"]),
    ]);
    platform = new LocalPlatform({ dataDir, portBase: testPortBase(), portSpan: TEST_PORT_SPAN, log: () => {} });
    controller = new Controller({ connection, createPlatform: async () => platform, log: () => {}, healthEveryMs: 600_000, rollingPauseMs: 5, trafficEveryMs: null });
  });
  afterAll(async () => {
    await controller.stop({ stopApps: true });
    await platform.shutdown({ stopApps: true });
    await connection.close();
    removeTempDir(dataDir);
  });

  /** What CI does: register each app's tarball by URL and digest, then cut the release. */
  async function ciRelease(version: 1 | 2) {
    const commit = `${version}`.repeat(40);
    const ids: string[] = [];
    for (const app of ["site", "docs"]) {
      const artifact = artifacts[`${app}@${version}`]!;
      const { build } = await registerBuild(ctx(developer), { app, version: `${version}.0.0`, commit, branch: "main", digest: artifact.digest, artifact: artifact.url, tests: { passed: true, total: 1, failed: 0 } });
      ids.push(build.id);
    }
    return (await createRelease(ctx(developer), { commit, branch: "main", builds: ids })).release;
  }

  async function urlOf(environment: string, app: string): Promise<string> {
    const [row] = await connection.db
      .select({ url: environmentApps.url })
      .from(environmentApps)
      .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
      .innerJoin(appsTable, eq(appsTable.id, environmentApps.appId))
      .where(and(eq(environments.name, environment), eq(appsTable.name, app)));
    expect(row?.url).toBeTruthy();
    return row!.url!;
  }

  async function serves(environment: string, version: 1 | 2): Promise<void> {
    const site = await fetch(await urlOf(environment, "site"));
    expect(site.status).toBe(200);
    expect(await site.text()).toContain(`site v${version}`);
    const docs = await fetch(await urlOf(environment, "docs"));
    expect(await docs.text()).toContain(`docs v${version}`);
    expect((await fetch(`${await urlOf(environment, "docs")}/health`)).status).toBe(200);
  }

  async function promote(environment: string, releaseId: string, approve: (deploymentId: string) => Promise<void> = async () => {}) {
    const deployment = await requestDeployment(ctx(developer), { environment, releaseId });
    await approve(deployment.id);
    await controller.runUntilIdle();
    const detail = await getDeployment(connection.db, deployment.id);
    expect([detail.state, detail.failureReason]).toEqual(["succeeded", null]);
    return detail;
  }

  it("takes http-server and python3 -m http.server dev → qa → uat → staging → prod through the gates, and rolls prod back", async () => {
    const v1 = await ciRelease(1);
    const v2 = await ciRelease(2);
    for (const release of [v1, v2]) {
      await promote("dev", release.id);
      await promote("qa", release.id);
      await promote("uat", release.id, (id) => tickChecklist(ctx(developer), { deploymentId: id, item: "verified by QA" }).then(() => {}));
      await promote("staging", release.id, (id) => decideApproval(ctx(lead), { deploymentId: id, decision: "approve", role: "delivery-lead" }).then(() => {}));
      const prod = await promote("prod", release.id, async (id) => {
        // Waits on its gates first: nothing moves before both approvals.
        await controller.runUntilIdle();
        expect((await getDeployment(connection.db, id)).state).toBe("waiting");
        await decideApproval(ctx(techLead), { deploymentId: id, decision: "approve", role: "tech-lead" });
        await decideApproval(ctx(pm), { deploymentId: id, decision: "approve", role: "pm" });
      });
      expect(prod.steps.find((s) => s.name === "Migrate docs")?.state ?? "absent").not.toBe("failed");
      for (const environment of ["dev", "qa", "uat", "staging", "prod"]) await serves(environment, release === v1 ? 1 : 2);
    }

    // What runs in prod: two web instances per app (blue-green keeps v1 warm) and the docs worker, with logs.
    const instances = await listInstances(ctx(viewer), platform, { environment: "prod", app: "docs" });
    const active = instances.items.filter((i) => i.slot === "active");
    expect(active.map((i) => [i.id, i.type, i.version, i.running])).toEqual([
      ["docs-1", "web", "2.0.0", true],
      ["docs-2", "web", "2.0.0", true],
      ["docs-worker-1", "worker", "2.0.0", true],
    ]);
    expect(active.find((i) => i.type === "worker")!.address).toBeNull();
    expect(instances.items.filter((i) => i.slot === "standby").map((i) => i.version)).toEqual(["1.0.0", "1.0.0", "1.0.0"]);
    const logs = await instanceLogs(ctx(viewer), platform, { environment: "prod", app: "docs", tail: "50" });
    expect(logs.tail).toBe(50);
    expect(logs.items.find((l) => l.slot === "active" && l.instance === "docs-worker-1")!.lines).toContain("worker docs-worker-1 up");
    expect(logs.items.find((l) => l.slot === "active" && l.instance === "docs-1")!.lines.some((line) => line.includes("GET /health"))).toBe(true);
    await expect(listInstances(ctx(viewer), platform, { environment: "prod", app: "nope" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(instanceLogs(ctx(viewer), platform, { environment: "prod", app: "docs", tail: "0" })).rejects.toThrow(/tail/);
    // The reader is chosen by the environment's platform (as the web server's platformReader does); one it cannot read is not_supported.
    const byPlatform = await listInstances(ctx(viewer), (kind) => (kind === "local" ? platform : null), { environment: "prod", app: "docs" });
    expect(byPlatform.items.map((i) => i.id)).toEqual(instances.items.map((i) => i.id));
    await expect(instanceLogs(ctx(viewer), () => null, { environment: "prod", app: "docs", tail: "5" })).rejects.toMatchObject({ code: "not_supported" });

    // Roll prod back: v1 is still warm, so it is a traffic switch.
    const rollback = await requestRollback(ctx(lead), { environment: "prod", reason: "v2 breaks the checkout" });
    await controller.runUntilIdle();
    const rolledBack = await getDeployment(connection.db, rollback.id);
    expect(rolledBack.state).toBe("succeeded");
    expect(rolledBack.steps.find((s) => s.name === "Roll back site")!.log).toMatch(/was still warm: switched back/);
    await serves("prod", 1);
    await serves("staging", 2);
    const after = await listInstances(ctx(viewer), platform, { environment: "prod", app: "docs" });
    expect(after.items.filter((i) => i.slot === "active").map((i) => [i.type, i.version])).toEqual([
      ["web", "1.0.0"],
      ["web", "1.0.0"],
      ["worker", "1.0.0"],
    ]);
  }, 600_000);
});
