/**
 * Slipway against Debian's real Prometheus (apt-get install prometheus): the local platform runs
 * the sample service, the controller writes the file_sd targets file, Prometheus scrapes the apps
 * every second, and `metrics.provider: prometheus` reads the figures back through PromQL for the
 * soak gate and the burn-rate watch. Skipped only when the binary is absent outside CI.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, asc, eq, sum } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection, Db } from "@/db/client";
import { deployments, environments, gateResults, healthSamples, roleMemberships, users } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { globalGrants, type Role } from "@/lib/auth/roles";
import { parsePipelineConfig } from "@/lib/config/load";
import { systemClock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { PrometheusMetricsProvider } from "@/lib/metrics/prometheus-provider";
import type { ScrapeTargetGroup } from "@/lib/metrics/scrape-targets";
import { createPlatform, type LocalPlatform } from "@/lib/platform";
import { DEFAULT_ARTIFACTS_DIR, writeArtifact } from "@/lib/platform/local/artifact";
import { testPortBase, TEST_PORT_SPAN } from "@/lib/platform/local/testing/helpers";
import type { AutomaticRollbackDetail } from "@/lib/services/auto-rollback";
import { registerBuild } from "@/lib/services/builds";
import type { ServiceContext } from "@/lib/services/context";
import { requestDeployment } from "@/lib/services/deployments";
import { syncPipeline } from "@/lib/services/pipeline-sync";
import { createRelease } from "@/lib/services/releases";
import { testDatabases } from "@/lib/testing/databases";
import { PROMETHEUS_BIN, prometheusAvailable, startPrometheus, type RunningPrometheus } from "@/lib/testing/prometheus";
import { Controller } from "../controller";

const available = prometheusAvailable();
if (!available && !process.env.CI) {
  console.warn(`[tests] ${PROMETHEUS_BIN} is absent: the tests against a real Prometheus are skipped (apt-get install prometheus; CI installs it).`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 250 ms until it returns something other than undefined; fails after `limitMs` saying what it waited for. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 150_000): Promise<T> {
  for (const started = Date.now(); Date.now() - started < limitMs; await sleep(250)) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`gave up waiting for ${what} after ${limitMs / 1000} s`);
}

/** staging with a 99.5% SLO (burn-rate rollback), prod behind a soak measured in staging. */
const pipelineYaml = (prometheusUrl: string) => `version: 1
pipeline: { name: prom }
apps: [{ name: portal }]
environments:
  - name: staging
    branch: develop
    strategy: blue-green
    warmFor: 30m
    slo: { availability: 99.5, watchAfterDeploy: 2h }
  - name: prod
    gates:
      soak: { duration: 30s, maxErrorRate: 0.02, maxP95Ms: 5000 }
metrics:
  provider: prometheus
  sampleEvery: 2s
  retention: 1d
  prometheus: { url: "${prometheusUrl}" }
`;

async function person(db: Db, name: string, roles: Role[]): Promise<Actor> {
  const id = newId("usr");
  const email = `${name}@prometheus-test.invalid`;
  await db.insert(users).values({ id, email, name });
  await db.insert(roleMemberships).values(roles.map((role) => ({ userId: id, role })));
  return { kind: "user", id, email, name, roles, grants: globalGrants(roles), disabled: false, via: "cli" };
}

describe.skipIf(!available && !process.env.CI).each(testDatabases)("metrics.provider prometheus against a real Prometheus, on $name", (database) => {
  const portBase = testPortBase();
  let dir: string;
  let connection: Connection;
  let prometheus: RunningPrometheus | null = null;
  let platform: LocalPlatform | null = null;
  let controller: Controller | null = null;
  let developer: ServiceContext;
  const logs: string[] = [];
  let targetsFile: string;
  let good: string, bad: string;
  let sending = false;
  let traffic: Promise<void> = Promise.resolve();

  const deployment = async (id: string) => (await connection.db.select().from(deployments).where(eq(deployments.id, id)))[0]!;
  const settled = (id: string) =>
    until(`deployment ${id} to finish`, async () => {
      const d = await deployment(id);
      return ["succeeded", "failed", "cancelled", "rolled-back"].includes(d.state) ? d : undefined;
    });
  const release = async (version: string, errorRate: number) => {
    const commit = `${version.replace(/\D/g, "")}${Date.now().toString(16)}`.padEnd(40, "c").slice(0, 40);
    const artifact = await writeArtifact(DEFAULT_ARTIFACTS_DIR(dir), { app: "portal", version, commit, branch: "develop", faulty: { health: false, errorRate } });
    const { build } = await registerBuild(developer, { app: "portal", version, commit, branch: "develop", digest: artifact.digest, artifact: artifact.path, tests: { passed: true } });
    return (await createRelease(developer, { commit, branch: "develop", builds: [build.id] })).release.id;
  };
  const stagingUrl = async () => {
    const cell = await connection.db.query.environmentApps.findFirst({ where: (e, { and, isNotNull, eq: is }) => and(isNotNull(e.url), is(e.environmentId, staging.id)) });
    return cell!.url!;
  };
  let staging: { id: string };
  /** Visitors: about 20 requests a second to staging's stable address, until stopped. */
  const startTraffic = (url: string) => {
    sending = true;
    traffic = (async () => {
      while (sending) {
        await Promise.allSettled(Array.from({ length: 4 }, () => fetch(`${url}/`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.arrayBuffer())));
        await sleep(200);
      }
    })();
  };

  beforeAll(async () => {
    if (!available) throw new Error(`${PROMETHEUS_BIN} is missing: CI must install Debian's prometheus (see .ci/run)`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `slipway-prometheus-${database.name}-`));
    targetsFile = path.join(dir, "data", "prometheus", "targets.json");
    prometheus = await startPrometheus({ dir: path.join(dir, "prometheus"), targetsFile, scrapeInterval: "1s" });
    connection = await database.open();
    const parsed = parsePipelineConfig(pipelineYaml(prometheus.url));
    if (!parsed.ok) throw new Error(`test pipeline: ${JSON.stringify(parsed.problems)}`);
    await syncPipeline(connection.db, systemClock, parsed.config, parsed.hash);
    staging = (await connection.db.select().from(environments).where(eq(environments.name, "staging")))[0]!;
    developer = { db: connection.db, actor: await person(connection.db, "dana", ["developer"]), clock: systemClock };
    platform = createPlatform({ kind: "local", dataDir: path.join(dir, "data"), portBase, portSpan: TEST_PORT_SPAN, log: () => {} });
    await platform.init();
    const local = platform;
    controller = new Controller({
      connection,
      createPlatform: async () => local,
      releasePlatforms: (_, options) => local.shutdown(options),
      // The platform provider must not be what answers: with metrics.provider prometheus, every figure comes from PromQL.
      traffic: { traffic: () => Promise.reject(new Error("the platform's own counters were read although metrics.provider is prometheus")) },
      log: (line) => logs.push(line),
      healthEveryMs: 1_000,
      pollMs: 250,
      scrapeTargetsFile: targetsFile,
    });
    controller.start();
  }, 120_000);

  afterAll(async () => {
    sending = false;
    await traffic;
    await controller?.stop({ stopApps: true });
    await platform?.shutdown({ stopApps: true }).catch(() => {});
    await prometheus?.stop();
    await connection?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("lists what runs in the file_sd targets file, and Prometheus scrapes it with Slipway's labels", { timeout: 180_000 }, async () => {
    good = await release("1.0.0", 0);
    expect((await settled((await requestDeployment(developer, { environment: "staging", releaseId: good })).id)).state).toBe("succeeded");
    const group = await until("staging/portal in the targets file", async () => {
      const groups = fs.existsSync(targetsFile) ? (JSON.parse(fs.readFileSync(targetsFile, "utf8")) as ScrapeTargetGroup[]) : [];
      return groups.find((g) => g.labels.environment === "staging" && g.labels.slot === "active");
    });
    expect(group).toMatchObject({ targets: [expect.stringMatching(/^127\.0\.0\.1:\d+$/)], labels: { environment: "staging", app: "portal", release: good, version: "1.0.0", slot: "active" } });
    const up = await until("Prometheus to scrape staging/portal", async () => {
      // slot="active": the instance was scraped as "standby" before blue-green switched traffic to it, and that series lingers.
      const result = await prometheus!.query(`up{environment="staging",app="portal",release="${good}",slot="active"}`);
      return result.find((r) => r.value === 1);
    });
    expect(up.metric).toMatchObject({ job: "slipway-apps", instance: group.targets[0], slot: "active", version: "1.0.0" });
  });

  it("passes the soak gate on the traffic Prometheus recorded in staging", { timeout: 240_000 }, async () => {
    startTraffic(await stagingUrl());
    const promotion = await requestDeployment(developer, { environment: "prod", releaseId: good, reason: "soaked in staging" });
    const done = await settled(promotion.id);
    expect(done.state).toBe("succeeded");
    const [soak] = await connection.db
      .select()
      .from(gateResults)
      .where(and(eq(gateResults.deploymentId, promotion.id), eq(gateResults.gate, "soak")));
    expect(soak).toMatchObject({ status: "pass", detail: expect.objectContaining({ sourceEnvironment: "staging", errors: 0, noTraffic: false }) });
    expect((soak!.detail as { requests: number }).requests).toBeGreaterThan(0);
    // The same figures as a $release query reads from Prometheus (as a pipeline with other label names would write it).
    const provider = new PrometheusMetricsProvider({
      url: prometheus!.url,
      queries: { requests: 'sum(increase(http_requests_total{app="$app",release="$release"}[$window]))', errors: 'sum(increase(http_requests_total{app="$app",release="$release",code="5xx"}[$window]))', p95: "vector(0)" },
    });
    const seen = await provider.read({ environment: "staging", app: "portal", release: good }, new Date(), 30_000);
    expect(seen?.requests).toBeGreaterThan(0);
    expect(await provider.read({ environment: "staging", app: "portal", release: "rel_not_running" }, new Date(), 30_000)).toBeNull();
  });

  it("rolls a faulty release in staging back by itself, with the figures Prometheus gave", { timeout: 240_000 }, async () => {
    bad = await release("1.1.0", 0.3);
    const faulty = await requestDeployment(developer, { environment: "staging", releaseId: bad, reason: "the faulty one" });
    expect((await settled(faulty.id)).state).toBe("succeeded");
    const rollback = await until("the automatic rollback", async () => {
      const rows = await connection.db
        .select()
        .from(deployments)
        .where(and(eq(deployments.environmentId, staging.id), eq(deployments.kind, "rollback")))
        .orderBy(asc(deployments.createdAt));
      return rows[0];
    });
    expect(rollback).toMatchObject({ requestedBy: "usr_automation", requestedVia: "automation", releaseId: good });
    const detail = (rollback.detail as { automatic: AutomaticRollbackDetail }).automatic;
    expect(detail).toMatchObject({ trigger: "burn-rate", availability: 99.5, metricsProvider: "prometheus" });
    expect(detail.requests).toBeGreaterThanOrEqual(20);
    expect(detail.errors).toBeGreaterThan(0);
    expect((await settled(rollback.id)).state).toBe("succeeded");
    expect((await deployment(faulty.id)).state).toBe("rolled-back");
    const served = await fetch(`${await stagingUrl()}/health`).then((r) => r.json() as Promise<{ version: string }>);
    expect(served.version).toBe("1.0.0");

    // What the watch counted is what Prometheus holds: 5xx answers of the faulty release, by its labels.
    const [recorded] = await connection.db
      .select({ errors: sum(healthSamples.errors) })
      .from(healthSamples)
      .where(and(eq(healthSamples.environmentId, staging.id), eq(healthSamples.releaseId, bad)));
    expect(Number(recorded!.errors)).toBeGreaterThan(0);
    // (over a range: once rolled back, the faulty release's instances may be stopped and their series stale)
    const failed = await prometheus!.query(`sum(max_over_time(http_requests_total{environment="staging",app="portal",release="${bad}",code="5xx"}[10m]))`);
    expect(failed[0]?.value).toBeGreaterThan(0);
    expect(logs.filter((line) => line.includes("platform's own counters"))).toEqual([]);
  });
});
