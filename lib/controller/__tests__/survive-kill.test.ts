import fs from "node:fs";
import { spawn, type ChildProcess } from "node:child_process";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { builds, deploymentSteps, deployments, environmentApps, environments } from "@/db/schema";
import { parsePipelineConfig } from "@/lib/config/load";
import { systemClock } from "@/lib/domain/clock";
import { LocalPlatform } from "@/lib/platform/local/local-platform";
import { fixtureArtifact, testPortBase, TEST_PORT_SPAN, tempDir } from "@/lib/platform/local/testing/helpers";
import { registerBuild } from "@/lib/services/builds";
import { requestDeployment } from "@/lib/services/deployments";
import { syncPipeline } from "@/lib/services/pipeline-sync";
import { createRelease } from "@/lib/services/releases";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor } from "@/lib/testing/fixtures";

/**
 * The evidence for "the data plane outlives Slipway": Slipway's control plane runs as its own
 * process (`npm run controller`, the real script) on a PostgreSQL database, with the local
 * platform (real app processes, the real router process). While a client sends requests to every
 * app URL without pause, the control plane is killed with SIGKILL — once in steady state, once in
 * the middle of a rolling rollout — and started again. Every request must be answered (no refused
 * connection, no 5xx), and afterwards what each URL serves must be what the database records.
 *
 * Two processes share the database, which PGlite cannot do (STACK.md trap 17): this runs on the
 * PostgreSQL server of TEST_DATABASE_URL and is skipped without one.
 */
const postgres = testDatabases.find((d) => d.name === "postgres");
const APPS = ["portal", "admin"] as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const PIPELINE = `version: 1
pipeline: { name: survive }
apps: [{ name: portal }, { name: admin }]
environments:
  - name: dev
    branch: develop
    strategy: rolling
`;

describe.skipIf(!postgres)("the data plane outlives Slipway: SIGKILL of the control plane", () => {
  let connection: Connection & { url?: string };
  const dataDir = tempDir("survive-data");
  const artifacts = tempDir("survive-artifacts");
  const portBase = testPortBase();
  const logs: string[] = [];
  let slipway: ChildProcess | null = null;

  function startSlipway(): ChildProcess {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/controller.ts"], {
      cwd: process.cwd(),
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NODE_ENV: "production",
        DATABASE_URL: connection.url,
        SLIPWAY_DATA_DIR: dataDir,
        SLIPWAY_LOCAL_PORT_BASE: String(portBase),
        SLIPWAY_SECRET_KEY: Buffer.alloc(32, 5).toString("base64"),
        SLIPWAY_STOP_APPS_ON_EXIT: "1",
      } as NodeJS.ProcessEnv,
    });
    const keep = (chunk: Buffer) => logs.push(...chunk.toString().split("\n").filter(Boolean));
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    slipway = child;
    return child;
  }

  async function kill(child: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 90_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const value = await probe().catch(() => null);
      if (value) return value;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}. Slipway said:\n${logs.slice(-40).join("\n")}`);
  }

  const deploymentState = async (id: string) => (await connection.db.select().from(deployments).where(eq(deployments.id, id)))[0]?.state;
  const finished = (id: string) =>
    until(`deployment ${id} to finish`, async () => {
      const state = await deploymentState(id);
      return state && ["succeeded", "failed", "cancelled", "rolled-back"].includes(state) ? state : null;
    });
  const urls = async () => {
    const rows = await connection.db.select({ url: environmentApps.url }).from(environmentApps);
    return rows.map((r) => r.url).filter((u): u is string => Boolean(u));
  };
  const versionAt = async (url: string) => ((await (await fetch(`${url}/health`)).json()) as { version: string }).version;

  /** Registers one build per app of the fixture at `version` and cuts a release. */
  async function release(version: string): Promise<string> {
    const actor = await createTestActor(connection.db, ["developer"]);
    const artifact = fixtureArtifact(artifacts, version);
    const ctx = contextFor(connection.db, actor, new Date().toISOString());
    const ids: string[] = [];
    for (const app of APPS) {
      const { build } = await registerBuild(ctx, { app, version, commit: artifact.commit, branch: "develop", digest: artifact.digest, artifact: artifact.artifact!, tests: { passed: true, total: 1, failed: 0 } });
      ids.push(build.id);
    }
    return (await createRelease(ctx, { commit: artifact.commit, branch: "develop", builds: ids })).release.id;
  }

  async function deploy(releaseId: string): Promise<string> {
    const actor = await createTestActor(connection.db, ["developer"]);
    return (await requestDeployment(contextFor(connection.db, actor, new Date().toISOString()), { environment: "dev", releaseId, reason: "survive-kill test" })).id;
  }

  /** Sends requests to every URL one after another until stopped; counts answers and failures. */
  function hammer(targets: string[]) {
    const counts = { ok: 0, failed: 0, failures: [] as string[] };
    let running = true;
    const done = (async () => {
      while (running) {
        for (const url of targets) {
          try {
            const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
            await response.arrayBuffer();
            if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
            counts.ok += 1;
          } catch (error) {
            counts.failed += 1;
            if (counts.failures.length < 10) counts.failures.push(`${url}: ${(error as Error).message}`);
          }
        }
        await sleep(10);
      }
    })();
    return {
      counts,
      stop: async () => {
        running = false;
        await done;
        return counts;
      },
    };
  }

  beforeAll(async () => {
    connection = await postgres!.open();
    const parsed = parsePipelineConfig(PIPELINE);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    await syncPipeline(connection.db, systemClock, parsed.config, parsed.hash);
  }, 60_000);

  afterAll(async () => {
    if (slipway && slipway.exitCode === null) await kill(slipway);
    // Everything this test started — apps and router — stops here, whatever happened above.
    await new LocalPlatform({ dataDir, portBase, portSpan: TEST_PORT_SPAN, log: () => {} }).shutdown({ stopApps: true });
    await connection?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(artifacts, { recursive: true, force: true });
  }, 60_000);

  it("keeps every URL answering through a kill in steady state and one mid-rollout; afterwards the records equal what serves", async () => {
    const first = await deploy(await release("1.0.0"));
    let control = startSlipway();
    expect(await finished(first)).toBe("succeeded");
    const targets = await until("both URLs", async () => ((await urls()).length === APPS.length ? urls() : null));
    for (const url of targets) expect(await versionAt(url)).toBe("1.0.0");

    const load = hammer(targets);
    await until("traffic to flow", async () => load.counts.ok >= 20);

    // 1. Steady state: SIGKILL, a while with no Slipway at all, then a new start that adopts.
    const steadyBefore = load.counts.ok;
    await kill(control);
    const killedAt = load.counts.ok;
    // The data plane alone answers a good number of requests before a new control plane starts.
    await until("requests answered with no control plane", async () => load.counts.ok - killedAt >= 50);
    const servedWhileDown = load.counts.ok - steadyBefore;
    control = startSlipway();
    await until("the new control plane to restore", async () => logs.some((l) => l.includes("restored 2 of 2 apps")));
    const restoredAt = load.counts.ok;
    await until("traffic after the restore", async () => load.counts.ok - restoredAt >= 20);

    // 2. A rolling rollout, killed once traffic is split between the releases.
    const second = await deploy(await release("2.0.0"));
    await until("the rollout to move some traffic", async () => {
      const steps = await connection.db
        .select()
        .from(deploymentSteps)
        .where(and(eq(deploymentSteps.deploymentId, second), inArray(deploymentSteps.state, ["succeeded"])));
      return steps.some((s) => (s.detail as { action?: string }).action === "shift");
    });
    await kill(control);
    const killedMidRollout = load.counts.ok;
    await until("requests answered mid-rollout with no control plane", async () => load.counts.ok - killedMidRollout >= 50);
    control = startSlipway();
    const outcome = await finished(second);

    const counts = await load.stop();
    console.log(`[survive-kill] ${counts.ok} requests answered, ${counts.failed} failed, across two SIGKILLs of the control plane (${servedWhileDown} answered while it was down in steady state); the rollout after the kill ${outcome}`);
    expect(counts.failures).toEqual([]);
    expect(counts.ok).toBeGreaterThan(0);
    expect(servedWhileDown).toBeGreaterThan(0);
    expect(outcome).toBe("succeeded"); // the restarted control plane resumes the rollout (crash.test.ts)

    // 3. The records equal what serves: each URL serves the version its environment_apps row names.
    const recorded = await connection.db
      .select({ url: environmentApps.url, version: builds.version })
      .from(environmentApps)
      .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
      .innerJoin(builds, eq(builds.id, environmentApps.buildId));
    expect(recorded).toHaveLength(APPS.length);
    for (const row of recorded) {
      expect(row.version).toBe("2.0.0");
      for (let i = 0; i < 5; i++) expect(await versionAt(row.url!)).toBe(row.version); // no traffic left on the other release
    }
  }, 300_000);
});
