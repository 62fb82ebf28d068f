/**
 * Benchmark: how fast Slipway undoes a release that burns the error budget, by itself. For each
 * strategy, Slipway runs in this process on its own embedded database (PGlite), with the local
 * platform (real processes behind a stable address) and its controller, and one environment with
 * a 99.5% SLO. Each run deploys a good portal, then one that fails 30% of its requests, and sends
 * real traffic to the environment's address. It records
 *   (a) when the first failing request was answered,
 *   (b) when the burn-rate rule fired (the automatic rollback's detail.automatic.breachedAt: the
 *       watch's clock reading; the rollback deployment is created right after, in the same pass),
 *   (c) when the stable address served the previous version again (polling /health), and for
 *       rolling, when all traffic was back on it (the rollback finished),
 * and prints medians of breach → serving and first error → serving.
 *
 *   npx tsx scripts/bench/auto-rollback.ts [--runs 5] [--strategy blue-green|rolling|both] [--sample-every 5s] [--rps 20] [--port-base 4900] [--verbose]
 *
 * Detection is bounded by the sampling interval: traffic is read every --sample-every (slipway.yaml
 * and the e2e pipeline use 5s), and the rules are checked right after each read.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { and, desc, eq, gt } from "drizzle-orm";
import { openConnection, type Db } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { deployments, environments, roleMemberships, users } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { globalGrants, type Role } from "@/lib/auth/roles";
import { parseDuration } from "@/lib/config/duration";
import { parsePipelineConfig } from "@/lib/config/load";
import { Controller } from "@/lib/controller/controller";
import { systemClock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { createPlatform } from "@/lib/platform";
import { DEFAULT_ARTIFACTS_DIR, writeArtifact } from "@/lib/platform/local/artifact";
import { registerBuild } from "@/lib/services/builds";
import type { ServiceContext } from "@/lib/services/context";
import { requestDeployment } from "@/lib/services/deployments";
import { liftHold } from "@/lib/services/holds";
import { syncPipeline } from "@/lib/services/pipeline-sync";
import { createRelease } from "@/lib/services/releases";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    strategy: { type: "string", default: "both" },
    "sample-every": { type: "string", default: "5s" },
    rps: { type: "string", default: "20" },
    "port-base": { type: "string", default: "4900" },
    verbose: { type: "boolean", default: false },
  },
});
const RUNS = Number(values.runs);
const RPS = Number(values.rps);
const SAMPLE_EVERY = values["sample-every"]!;
const sampleEveryMs = parseDuration(SAMPLE_EVERY);
if (sampleEveryMs === null) throw new Error(`--sample-every "${SAMPLE_EVERY}" is not a duration, e.g. 5s`);
const STRATEGIES = values.strategy === "both" ? (["blue-green", "rolling"] as const) : ([values.strategy] as ["blue-green" | "rolling"]);
const ERROR_RATE = 0.3;
const ENV = "bench";
const RUN_TIMEOUT_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** With --verbose, what the controller and the platform say, timed, to see where the time goes. */
const trace = (source: string) => (line: string) => {
  if (values.verbose) console.log(`${new Date().toISOString().slice(11, 23)} [${source}] ${line}`);
};

/** One environment with a 99.5% SLO and the default burn-rate rules, as staging has in slipway.yaml. */
function pipelineYaml(strategy: string): string {
  return `version: 1
pipeline: { name: bench }
apps: [{ name: portal }]
environments:
  - name: ${ENV}
    branch: develop
    strategy: ${strategy}
    warmFor: 30m
    slo: { availability: 99.5, watchAfterDeploy: 2h }
metrics: { provider: platform, sampleEvery: ${SAMPLE_EVERY}, retention: 1d }
`;
}

async function person(db: Db, name: string, roles: Role[]): Promise<Actor> {
  const id = newId("usr");
  const email = `${name}@bench.invalid`;
  await db.insert(users).values({ id, email, name });
  await db.insert(roleMemberships).values(roles.map((role) => ({ userId: id, role })));
  return { kind: "user", id, email, name, roles, grants: globalGrants(roles), disabled: false, via: "cli" };
}

interface Run {
  firstErrorAt: number;
  breachedAt: number;
  servingAt: number;
  rollbackFinishedAt: number;
}

async function benchmark(strategy: "blue-green" | "rolling", portBase: number): Promise<Run[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `slipway-bench-auto-rollback-${strategy}-`));
  const connection = await openConnection({ dataDir });
  await migrateDatabase(connection);
  const parsed = parsePipelineConfig(pipelineYaml(strategy));
  if (!parsed.ok) throw new Error(`bench pipeline: ${JSON.stringify(parsed.problems)}`);
  await syncPipeline(connection.db, systemClock, parsed.config, parsed.hash);
  const developer: ServiceContext = { db: connection.db, actor: await person(connection.db, "dana", ["developer"]), clock: systemClock };
  const onCall: ServiceContext = { db: connection.db, actor: await person(connection.db, "oncall", ["tech-lead"]), clock: systemClock };
  const platform = createPlatform({ kind: "local", dataDir, portBase, log: trace("platform") });
  await platform.init();
  const controller = new Controller({ connection, createPlatform: async () => platform, releasePlatforms: (_, options) => platform.shutdown(options), log: trace("controller") });
  controller.start();
  const artifacts = DEFAULT_ARTIFACTS_DIR(dataDir);

  const release = async (version: string, errorRate: number) => {
    const commit = (Date.now().toString(16) + Math.random().toString(16).slice(2)).slice(0, 40).padStart(40, "c");
    const artifact = await writeArtifact(artifacts, { app: "portal", version, commit, branch: "develop", faulty: { health: false, errorRate } });
    const { build } = await registerBuild(developer, { app: "portal", version, commit, branch: "develop", digest: artifact.digest, artifact: artifact.url, tests: { passed: true } });
    return (await createRelease(developer, { commit, branch: "develop", builds: [build.id] })).release.id;
  };
  const settled = async (deploymentId: string) => {
    for (const started = Date.now(); Date.now() - started < RUN_TIMEOUT_MS; await sleep(50)) {
      const [d] = await connection.db.select().from(deployments).where(eq(deployments.id, deploymentId));
      if (d && ["succeeded", "failed", "cancelled", "rolled-back"].includes(d.state)) {
        if (d.state !== "succeeded") throw new Error(`${deploymentId} ${d.state}: ${d.failureReason}`);
        return d;
      }
    }
    throw new Error(`${deploymentId} did not finish within ${RUN_TIMEOUT_MS / 1000} s`);
  };
  const deploy = async (releaseId: string) => settled((await requestDeployment(developer, { environment: ENV, releaseId, reason: "benchmark" })).id);
  const servedVersion = async (url: string) => {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
    return response?.ok ? ((await response.json()) as { version?: string }).version : undefined;
  };

  const runs: Run[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const goodVersion = `1.${run}.0-${Date.now()}`;
      await deploy(await release(goodVersion, 0));
      // The first reading of an app's counters only sets their baseline (counters since an unknown
      // start are not "the last few seconds"): let one sampling pass see the app before the first run.
      if (run === 0) await sleep(sampleEveryMs! + 1_000);
      const faulty = await deploy(await release(`1.${run}.1-${Date.now()}`, ERROR_RATE));
      const [cell] = await connection.db.query.environmentApps.findMany({ where: (e, { isNotNull }) => isNotNull(e.url) });
      const url = cell!.url!;

      // Visitors: RPS requests a second to the stable address, until the good version is back.
      let firstErrorAt = 0;
      let sending = true;
      const inFlight = new Set<Promise<void>>();
      const traffic = (async () => {
        const started = Date.now();
        for (let sent = 0; sending; await sleep(5)) {
          while (sent < Math.floor(((Date.now() - started) * RPS) / 1000) + 1) {
            sent += 1;
            const request: Promise<void> = fetch(`${url}/`, { signal: AbortSignal.timeout(5_000) })
              .then(async (response) => {
                await response.arrayBuffer();
                if (response.status >= 500 && !firstErrorAt) {
                  firstErrorAt = Date.now();
                  trace("traffic")("first failing request answered");
                }
              })
              .catch(() => {})
              .finally(() => inFlight.delete(request));
            inFlight.add(request);
          }
        }
        await Promise.allSettled([...inFlight]);
      })();

      let servingAt = 0;
      const deadline = Date.now() + RUN_TIMEOUT_MS;
      while (!servingAt && Date.now() < deadline) {
        if ((await servedVersion(url)) === goodVersion) servingAt = Date.now();
        else await sleep(10);
      }
      sending = false;
      await traffic;
      const [rollback] = await connection.db
        .select()
        .from(deployments)
        .where(and(eq(deployments.kind, "rollback"), gt(deployments.createdAt, faulty.finishedAt!)))
        .orderBy(desc(deployments.createdAt))
        .limit(1);
      if (!servingAt || !rollback) throw new Error(`run ${run + 1}: no automatic rollback within ${RUN_TIMEOUT_MS / 1000} s`);
      const done = await settled(rollback.id);
      const detail = rollback.detail.automatic;
      if (!detail) throw new Error(`run ${run + 1}: rollback ${rollback.id} carries no automatic-rollback detail`);
      runs.push({ firstErrorAt, breachedAt: Date.parse(detail.breachedAt), servingAt, rollbackFinishedAt: done.finishedAt!.getTime() });
      const r = runs.at(-1)!;
      console.log(
        `${strategy} run ${run + 1}: first error → breach ${r.breachedAt - r.firstErrorAt} ms, breach → serving ${r.servingAt - r.breachedAt} ms, first error → serving ${r.servingAt - r.firstErrorAt} ms` +
          (strategy === "rolling" ? `, breach → all traffic back ${r.rollbackFinishedAt - r.breachedAt} ms` : "") +
          `  (${detail.errors}/${detail.requests} failed in the short window, ${detail.rule} rule)`,
      );
      // The rollback held the environment; on-call lifts it before the next round.
      await liftHold(onCall, { environment: ENV, reason: "benchmark: next run" });
    }
  } finally {
    await controller.stop({ stopApps: true });
    await connection.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return runs;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const summary = (xs: number[]) => `median ${(median(xs) / 1000).toFixed(2)} s (min ${(Math.min(...xs) / 1000).toFixed(2)}, max ${(Math.max(...xs) / 1000).toFixed(2)})`;

const results: [string, Run[]][] = [];
for (const [i, strategy] of STRATEGIES.entries()) results.push([strategy, await benchmark(strategy, Number(values["port-base"]) + i * 10)]);
console.log(`\nAutomatic rollback, ${RUNS} runs per strategy; traffic sampled every ${SAMPLE_EVERY}, ${RPS} requests/s, ${ERROR_RATE * 100}% of them failing, 99.5% SLO (fast rule 14.4×)`);
for (const [strategy, runs] of results) {
  console.log(`${strategy}:`);
  console.log(`  first error → rule fired:              ${summary(runs.map((r) => r.breachedAt - r.firstErrorAt))}`);
  console.log(`  rule fired → previous version serving: ${summary(runs.map((r) => r.servingAt - r.breachedAt))}`);
  console.log(`  first error → previous version serving: ${summary(runs.map((r) => r.servingAt - r.firstErrorAt))}`);
  if (strategy === "rolling") console.log(`  rule fired → all traffic back (rollback finished): ${summary(runs.map((r) => r.rollbackFinishedAt - r.breachedAt))}`);
}
process.exit(0);
