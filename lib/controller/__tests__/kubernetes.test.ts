import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { environmentApps, environments, jobRuns } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { parsePipelineConfig } from "@/lib/config/load";
import { fixedClock } from "@/lib/domain/clock";
import { KubernetesPlatform } from "@/lib/platform/kubernetes/kubernetes-platform";
import { FAST } from "@/lib/platform/kubernetes/testing/harness";
import { startSimCluster, type SimCluster } from "@/lib/platform/kubernetes/testing/sim-server";
import { typeOf } from "@/lib/platform/kubernetes/testing/sim-store";
import { PlatformRegistry } from "@/lib/platform/registry";
import { registerBuild } from "@/lib/services/builds";
import { getDeployment } from "@/lib/services/deployment-queries";
import { requestDeployment, requestRollback } from "@/lib/services/deployments";
import { liftHold } from "@/lib/services/holds";
import { syncPipeline } from "@/lib/services/pipeline-sync";
import { createReviewEnvironment, teardownReviewEnvironment } from "@/lib/services/review-environments";
import { createRelease } from "@/lib/services/releases";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor } from "@/lib/testing/fixtures";
import { Controller } from "../controller";

process.env.SLIPWAY_SECRET_KEY ??= Buffer.alloc(32, 9).toString("base64");

const PIPELINE = `version: 1
pipeline: { name: shop }
apps:
  - name: portal
    migrations: { paths: ["migrations/**"], job: migrate }
environments:
  - name: dev
    platform: kubernetes
    strategy: blue-green
    instances: 2
    kubernetes: { namespace: shop-dev }
  - name: staging
    platform: kubernetes
    strategy: recreate
    kubernetes: { namespace: shop-staging }
reviewEnvironments:
  source: staging
  sources: [staging]
`;

// A pipeline whose environments run on Kubernetes, driven through the services and the
// controller; the adapter talks to the simulated API server through @kubernetes/client-node.
describe.each(testDatabases)("a pipeline on Kubernetes on $name", (database) => {
  let connection: Connection;
  let sim: SimCluster;
  let controller: Controller;
  let developer: Actor;
  let lead: Actor;
  const clock = fixedClock("2026-06-01T09:00:00Z");
  let n = 0;

  const services = typeOf("v1", "services")!;
  const pods = typeOf("v1", "pods")!;
  /** The version a request to the app's Service gets in `namespace`. */
  const serving = (namespace: string): string | null => {
    const service = sim.store.get(services, namespace, "portal");
    const selector = Object.entries((service?.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const pod = service ? sim.store.list(pods, namespace, selector).find((p) => (p.status as { conditions?: { type: string; status: string }[] }).conditions?.some((c) => c.type === "Ready" && c.status === "True")) : undefined;
    return pod ? (sim.images.get((pod.spec as { containers: { image: string }[] }).containers[0]!.image)?.version ?? null) : null;
  };
  const release = async (version: string, options: { branch?: string; changed?: string[] } = {}) => {
    clock.advance(60_000);
    const ctx = { db: connection.db, actor: developer, clock };
    const digest = `sha256:${(++n).toString(16).padStart(64, "0")}`;
    const artifact = `registry.example.com/shop/portal@${digest}`;
    const commit = n.toString(16).padStart(40, "a");
    sim.images.set(artifact, { app: "portal", version, commit, jobs: { migrate: { exitCode: 0, output: `applied migrations for ${version}\n` }, seed: { exitCode: 0, output: "seeded\n" } } });
    const { build } = await registerBuild(ctx, { app: "portal", version, commit, branch: options.branch ?? "main", digest, artifact, tests: { passed: true, total: 1, failed: 0 }, changedFiles: options.changed ?? [] });
    return (await createRelease(ctx, { commit, branch: options.branch ?? "main", builds: [build.id], buildNumber: n })).release;
  };
  const deploy = async (environment: string, releaseId: string) => {
    const deployment = await requestDeployment({ db: connection.db, actor: lead, clock }, { environment, releaseId });
    await controller.runUntilIdle();
    return getDeployment(connection.db, deployment.id);
  };

  beforeAll(async () => {
    connection = await database.open();
    const parsed = parsePipelineConfig(PIPELINE);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    await syncPipeline(connection.db, clock, parsed.config, parsed.hash);
    developer = await createTestActor(connection.db, ["developer"]);
    lead = await createTestActor(connection.db, ["delivery-lead", "developer"]);
    sim = await startSimCluster();
    // The cluster admin created the environments' namespaces; Slipway creates only review namespaces.
    for (const name of ["shop-dev", "shop-staging"]) sim.store.put(typeOf("v1", "namespaces")!, { apiVersion: "v1", kind: "Namespace", metadata: { name }, status: { phase: "Active" } });
    const kubernetes = new KubernetesPlatform({ ...FAST, kubeconfig: sim.kubeconfig() });
    controller = new Controller({
      connection,
      createPlatform: async () => new PlatformRegistry(new Map([["kubernetes", kubernetes]]), { unnamed: "kubernetes" }),
      clock,
      log: () => {},
      verifyTimeoutMs: 2_000,
      healthEveryMs: 3_600_000,
      rollingPauseMs: 1,
      autoPromoteEveryMs: 3_600_000,
      driftEveryMs: 0,
    });
  }, 60_000);
  afterAll(async () => {
    await controller?.stop({ stopApps: false });
    await sim?.close();
    await connection?.close();
  });

  it("deploys blue-green onto the cluster, keeps the previous release warm, and rolls back by switching the Service", async () => {
    const first = await deploy("dev", (await release("1.0.0")).id);
    expect([first.state, first.failureReason]).toEqual(["succeeded", null]);
    expect(serving("shop-dev")).toBe("1.0.0");
    const second = await deploy("dev", (await release("1.1.0")).id);
    expect([second.state, second.failureReason]).toEqual(["succeeded", null]);
    expect(serving("shop-dev")).toBe("1.1.0");
    const service = sim.store.get(services, "shop-dev", "portal")!;
    expect((service.spec as { selector: Record<string, string> }).selector["slipway.dev/slot"]).toBe("green");

    const rollback = await requestRollback({ db: connection.db, actor: lead, clock }, { environment: "dev", reason: "checkout broken" });
    await controller.runUntilIdle();
    const detail = await getDeployment(connection.db, rollback.id);
    expect(detail.state).toBe("succeeded");
    expect(detail.steps.find((s) => s.name === "Roll back portal")!.log).toMatch(/was still warm: switched back/);
    expect(serving("shop-dev")).toBe("1.0.0");
    await liftHold({ db: connection.db, actor: lead, clock }, { environment: "dev", reason: "fixed" });

    // Rolling without a gateway: the traffic steps put both slots behind the Service, then the new one alone.
    const mark = sim.requests.length;
    const rolling = await requestDeployment({ db: connection.db, actor: lead, clock }, { environment: "dev", releaseId: (await release("1.2.0")).id, strategy: "rolling" });
    await controller.runUntilIdle();
    expect((await getDeployment(connection.db, rolling.id)).state).toBe("succeeded");
    expect(serving("shop-dev")).toBe("1.2.0");
    expect(sim.requests.slice(mark).filter((r) => r.startsWith("PATCH /api/v1/namespaces/shop-dev/services/portal")).length).toBeGreaterThanOrEqual(4); // 25, 50, 75 %, switch
  });

  it("promotes with recreate: migrations as a Kubernetes Job, old release stopped before the new one starts", async () => {
    const r = await release("2.0.0", { changed: ["migrations/0002_orders.sql"] });
    const dev = await deploy("dev", r.id);
    expect([dev.state, dev.failureReason]).toEqual(["succeeded", null]);
    const staging = await deploy("staging", r.id);
    expect([staging.state, staging.failureReason]).toEqual(["succeeded", null]);
    expect(serving("shop-staging")).toBe("2.0.0");
    const jobs = sim.store.list(typeOf("batch/v1", "jobs")!, "shop-staging");
    expect(jobs.map((j) => j.metadata.labels?.["slipway.dev/job"])).toContain("migrate");
    const [run] = await connection.db
      .select()
      .from(jobRuns)
      .where(and(eq(jobRuns.deploymentId, staging.id), eq(jobRuns.job, "migrate")));
    expect(run).toMatchObject({ state: "succeeded", exitCode: 0 });
    expect(run!.output).toContain("applied migrations for 2.0.0");

    const next = await release("2.0.1");
    expect((await deploy("dev", next.id)).state).toBe("succeeded");
    const mark = sim.requests.length;
    const again = await deploy("staging", next.id);
    expect([again.state, again.failureReason]).toEqual(["succeeded", null]);
    const writes = sim.requests
      .slice(mark)
      .filter((r) => /^(DELETE|PATCH) \/apis\/apps\/v1\/namespaces\/shop-staging\/deployments\//.test(r))
      .map((r) => r.split("?")[0]);
    expect(writes).toEqual(["DELETE /apis/apps/v1/namespaces/shop-staging/deployments/portal-blue", "PATCH /apis/apps/v1/namespaces/shop-staging/deployments/portal-green"]);
    expect(serving("shop-staging")).toBe("2.0.1");
  });

  it("spins up a review environment in its own namespace, sleeps it (scale to zero), wakes it, tears it down (namespace deleted)", async () => {
    const r = await release("2.1.0-search.1", { branch: "feature/search" });
    const { environment } = await createReviewEnvironment({ db: connection.db, actor: developer, clock }, { branch: "feature/search", releaseId: r.id });
    await controller.runUntilIdle();
    const row = async () =>
      (
        await connection.db
          .select()
          .from(environments)
          .where(eq(environments.name, environment.name))
          .orderBy(sql`created_at desc`)
      )[0]!;
    expect((await row()).state).toBe("ready");
    const namespace = `shop-staging-${environment.name}`;
    expect(sim.store.get(typeOf("v1", "namespaces")!, undefined, namespace)?.metadata.annotations).toEqual({ "slipway.dev/cloned-from": "staging" });
    expect(serving(namespace)).toBe("2.1.0-search.1");

    clock.advance(2 * 3_600_000 + 60_000); // past idleSleepAfter
    await controller.runUntilIdle();
    expect((await row()).state).toBe("sleeping");
    const deployment = sim.store.get(typeOf("apps/v1", "deployments")!, namespace, "portal-blue")!;
    expect((deployment.spec as { replicas: number }).replicas).toBe(0);
    expect(serving(namespace)).toBeNull();

    const service = sim.store.get(services, namespace, "portal")!;
    service.metadata.annotations = { ...service.metadata.annotations, "slipway.dev/last-request-at": clock.now().toISOString() };
    await controller.runUntilIdle();
    expect((await row()).state).toBe("ready");
    expect(serving(namespace)).toBe("2.1.0-search.1");

    await teardownReviewEnvironment({ db: connection.db, actor: developer, clock }, { name: environment.name });
    await controller.runUntilIdle();
    expect((await row()).state).toBe("torn-down");
    expect(sim.store.get(typeOf("v1", "namespaces")!, undefined, namespace)).toBeUndefined();
  });

  it("reports a hand-edited Deployment as drift within one reconcile", async () => {
    const live = (sim.store.get(services, "shop-dev", "portal")!.metadata.annotations ?? {})["slipway.dev/live-slot"];
    sim.edit("apps/v1", "deployments", "shop-dev", `portal-${live}`, (d) => {
      (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = `registry.example.com/shop/portal@sha256:${"e".repeat(64)}`;
    });
    clock.advance(10 * 60_000);
    await controller.tick();
    const [devRow] = await connection.db.select().from(environments).where(eq(environments.name, "dev"));
    const [cell] = await connection.db.select().from(environmentApps).where(eq(environmentApps.environmentId, devRow!.id));
    expect(cell!.drift).toMatchObject({ kind: "other-build", message: expect.stringContaining("sha256:eeeeeeeeeeee") });
  });
});
