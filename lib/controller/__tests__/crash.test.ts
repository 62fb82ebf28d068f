import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { deploymentSteps, deployments, environmentApps, environments } from "@/db/schema";
import { SAMPLE_PROCFILE, renderSampleArtifact } from "@/lib/platform/local/artifact";
import { packFiles } from "@/lib/platform/local/pack";
import { removeTempDir, testPortBase } from "@/lib/platform/local/testing/helpers";
import { registerBuild } from "@/lib/services/builds";
import { requestDeployment } from "@/lib/services/deployments";
import { createRelease } from "@/lib/services/releases";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";

/**
 * Kills the controller process with SIGKILL in the middle of a rollout, starts another one, and
 * checks that the deployment ends (succeeded, or failed with a reason) within a bounded time. Needs
 * a PostgreSQL server (the test and the controller processes share the database), so it runs when
 * TEST_DATABASE_URL is set, as in CI.
 */
const postgres = testDatabases.find((d) => d.name === "postgres");
const SLOW_START_MS = 3000;

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!postgres)("the controller survives SIGKILL mid-rollout", () => {
  let connection: Connection & { url?: string };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-crash-"));
  const portBase = testPortBase();
  const children: ChildProcess[] = [];
  const output: string[] = [];

  function startController(): ChildProcess {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/controller.ts"], {
      cwd: process.cwd(),
      env: { ...process.env, DATABASE_URL: connection.url, SLIPWAY_DATA_DIR: dataDir, SLIPWAY_LOCAL_PORT_BASE: String(portBase), SLIPWAY_CONFIG: "e2e/pipelines/shop.yaml", SLIPWAY_STOP_APPS_ON_EXIT: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d: Buffer) => output.push(d.toString()));
    child.stderr!.on("data", (d: Buffer) => output.push(d.toString()));
    children.push(child);
    return child;
  }

  /** Writes a real sample-service artifact; `slowStartMs` makes it wait before it listens. */
  function artifact(app: string, version: string, commit: string, slowStartMs = 0) {
    const build = { app, version, commit, branch: "develop" };
    const { text } = renderSampleArtifact(build);
    const content = slowStartMs ? `await new Promise((resolve) => setTimeout(resolve, ${slowStartMs}));\n${text}` : text;
    const { path: file, digest } = packFiles(path.join(dataDir, "ci", `${app}-${version}.tar.gz`), { "service.mjs": content, Procfile: SAMPLE_PROCFILE });
    return { digest, artifact: file };
  }

  beforeAll(async () => {
    connection = await postgres!.open();
    await loadTestPipeline(connection.db);
  });

  afterAll(async () => {
    const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
    await Promise.all(
      alive.map((c) => {
        const exited = new Promise((r) => c.once("exit", r));
        c.kill("SIGTERM");
        return exited;
      }),
    );
    // Apps orphaned by the SIGKILLed controller were adopted by the second one, which stops them on
    // SIGTERM (SLIPWAY_STOP_APPS_ON_EXIT: the data plane otherwise outlives the controller).
    await connection.close();
    removeTempDir(dataDir);
  });

  it("a new controller finishes the interrupted rollout, and the new version serves", async () => {
    const developer = await createTestActor(connection.db, ["developer"]);
    const ctx = contextFor(connection.db, developer);
    const release = async (version: string, commit: string, slow: number) => {
      const ids: string[] = [];
      for (const app of ["portal", "admin", "api-gateway"]) {
        const { build } = await registerBuild(ctx, { app, version, commit, branch: "develop", ...artifact(app, version, commit, slow) });
        ids.push(build.id);
      }
      return (await createRelease({ ...ctx, clock: { now: () => new Date() } }, { commit, branch: "develop", builds: ids })).release;
    };
    const v1 = await release("1.0.0", "a".repeat(40), 0);
    const v2 = await release("2.0.0", "b".repeat(40), SLOW_START_MS);

    startController();
    const first = await requestDeployment(ctx, { environment: "dev", releaseId: v1.id });
    const state = async (id: string) => (await connection.db.select().from(deployments).where(eq(deployments.id, id)))[0]!;
    await until("v1 to succeed in dev", 60_000, async () => (await state(first.id)).state === "succeeded");

    const second = await requestDeployment(ctx, { environment: "dev", releaseId: v2.id });
    // Kill it while the slow "Start" steps are in flight.
    await until("a Start step of v2 to be running", 30_000, async () => (await connection.db.select().from(deploymentSteps).where(eq(deploymentSteps.deploymentId, second.id))).some((s) => s.state === "running"));
    children[0]!.kill("SIGKILL");
    await new Promise((r) => children[0]!.once("exit", r));
    expect((await state(second.id)).state).toBe("running");

    const killedAt = Date.now();
    startController();
    const outcome = await until("the interrupted deployment to end", 90_000, async () => {
      const d = await state(second.id);
      return d.state === "succeeded" || d.state === "failed" ? d : null;
    });
    const recoveredInMs = Date.now() - killedAt;
    console.log(`[crash test] after SIGKILL, the deployment ${outcome.state} in ${recoveredInMs} ms${outcome.failureReason ? `: ${outcome.failureReason}` : ""}`);
    expect([outcome.state, outcome.failureReason]).toEqual(["succeeded", null]);

    const steps = await connection.db.select().from(deploymentSteps).where(eq(deploymentSteps.deploymentId, second.id));
    expect(steps.every((s) => s.state === "succeeded")).toBe(true);
    expect(steps.some((s) => s.attempts >= 2)).toBe(true); // the interrupted step ran again
    const [dev] = await connection.db.select().from(environments).where(eq(environments.name, "dev"));
    const cells = await connection.db.select().from(environmentApps).where(eq(environmentApps.environmentId, dev!.id));
    const portal = cells.find((c) => c.releaseId === v2.id && c.url);
    expect(portal?.url).toBeTruthy();
    const health = await (await fetch(`${portal!.url}/health`)).json();
    expect(health).toMatchObject({ version: "2.0.0", environment: "dev" });
  }, 240_000);
});
