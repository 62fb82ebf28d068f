import type { PlatformRegistry } from "@/lib/platform/registry";
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { environments, jobRuns, verifications, type Deployment, type Environment, type Verification } from "@/db/schema";
import { automationActor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/services/audit";
import { announceVerificationFailure, verificationJobsOf } from "@/lib/services/verifications";
import { newId } from "@/lib/ids";
import { fencedTransaction } from "./fencing";
import { runRecordedJob, type JobContext } from "./job-records";
import { currentSpecs } from "./specs";

/**
 * Verification jobs slipway.yaml declares for an environment (`verifications: [{ name, app, job }]`)
 * run after each deployment there succeeds, through the same job mechanism as hooks and seeds
 * (platform runJob, recorded in job_runs). Each is a row in `verifications` from the moment the
 * deployment succeeds (pending → running → passed/failed), so a restart neither loses nor
 * double-counts one, and the next environment's `verified` gate waits on it.
 */

/** In the transaction that marks `deployment` succeeded: one pending verification per declared job. */
export async function queueVerificationJobs(tx: Db, deployment: Deployment, environment: Environment, now: Date): Promise<void> {
  const jobs = verificationJobsOf(environment.settings);
  if (!jobs.length) return;
  await tx
    .insert(verifications)
    .values(
      jobs.map((j) => ({
        id: newId("ver", now),
        deploymentId: deployment.id,
        environmentId: environment.id,
        releaseId: deployment.releaseId,
        name: j.name,
        status: "pending" as const,
        source: "job" as const,
        app: j.app,
        job: j.job,
        createdAt: now,
        updatedAt: now,
      })),
    )
    .onConflictDoNothing();
}

/** The last line of a job's output that says something, for the summary. */
function lastLine(output: string): string {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.at(-1) ?? "").slice(0, 300);
}

/** Where a person reads a verification job's output: the environment's jobs panel. */
export function jobRunPath(environment: string, jobRunId: string): string {
  return `/environments/${encodeURIComponent(environment)}#job-${jobRunId}`;
}

async function finish(ctx: JobContext, row: Verification, environment: string, result: { status: "passed" | "failed"; summary: string; jobRunId: string | null }): Promise<void> {
  const now = ctx.clock.now();
  await fencedTransaction(ctx.db, ctx.token(), async (tx) => {
    const url = result.jobRunId ? jobRunPath(environment, result.jobRunId) : null;
    const [saved] = await tx
      .update(verifications)
      .set({ status: result.status, summary: result.summary, jobRunId: result.jobRunId, url, updatedAt: now, finishedAt: now })
      .where(and(eq(verifications.id, row.id), eq(verifications.status, "running")))
      .returning();
    if (!saved) return;
    await recordAudit(tx, automationActor(), ctx.clock, {
      action: "verification.report",
      targetType: "deployment",
      targetId: row.deploymentId,
      data: { environment, releaseId: row.releaseId, name: row.name, status: result.status, jobRunId: result.jobRunId, source: "job" },
    });
    if (result.status === "failed") await announceVerificationFailure(tx, ctx.clock, saved);
  });
}

/** Runs one claimed verification job against what the environment runs, and records the result. */
async function runOne(ctx: JobContext, row: Verification): Promise<void> {
  const environment = (await ctx.db.query.environments.findFirst({ where: eq(environments.id, row.environmentId) }))!;
  const plans = await currentSpecs(ctx.db, environment, row.deploymentId);
  const plan = plans.find((p) => p.app === row.app);
  if (!plan || plan.spec.build.releaseId !== row.releaseId) {
    const why = !plan ? `${row.app} does not run in ${environment.name}` : `${environment.name} runs another release of ${row.app} now`;
    return finish(ctx, row, environment.name, { status: "failed", summary: `not run: ${why}`, jobRunId: null });
  }
  // The job run exists before it starts, so the verification can point at it even if the controller dies.
  const jobRunId = newId("job");
  const startedAt = ctx.clock.now();
  await fencedTransaction(ctx.db, ctx.token(), async (tx) => {
    await tx.insert(jobRuns).values({
      id: jobRunId,
      environmentId: environment.id,
      appId: plan.appId,
      job: row.job!,
      trigger: `verification ${row.name}`,
      deploymentId: row.deploymentId,
      buildId: plan.spec.build.buildId,
      state: "running",
      createdAt: startedAt,
      startedAt,
    });
    await tx
      .update(verifications)
      .set({ jobRunId, url: jobRunPath(environment.name, jobRunId) })
      .where(eq(verifications.id, row.id));
  });
  const result = await runRecordedJob(ctx, {
    environmentId: environment.id,
    plan,
    job: row.job!,
    trigger: `verification ${row.name}`,
    deploymentId: row.deploymentId,
    jobRunId,
    secretValues: plans.flatMap((p) => p.secretValues),
  });
  const summary = `${row.job} exited ${result.exitCode}${lastLine(result.output) ? `: ${lastLine(result.output)}` : ""}`;
  await finish(ctx, row, environment.name, { status: result.exitCode === 0 ? "passed" : "failed", summary, jobRunId });
}

/**
 * Claims pending verification jobs (pending → running, fenced) and runs each in the background.
 * `background(key, work)` runs `work` once per key at a time.
 */
export async function runPendingVerifications(registry: Omit<JobContext, "platform"> & { platforms: PlatformRegistry }, background: (key: string, work: () => Promise<void>) => void): Promise<void> {
  const pending = await registry.db
    .select()
    .from(verifications)
    .where(and(eq(verifications.status, "pending"), eq(verifications.source, "job")))
    .orderBy(asc(verifications.createdAt))
    .limit(10);
  for (const row of pending) {
    const [claimed] = await fencedTransaction(registry.db, registry.token(), (tx) =>
      tx
        .update(verifications)
        .set({ status: "running", updatedAt: registry.clock.now() })
        .where(and(eq(verifications.id, row.id), eq(verifications.status, "pending")))
        .returning(),
    );
    if (!claimed) continue;
    const environment = await registry.db.query.environments.findFirst({ where: eq(environments.id, claimed.environmentId) });
    const ctx: JobContext = { ...registry, platform: registry.platforms.forEnvironment(environment!.name) };
    background(`verification:${claimed.id}`, () => runOne(ctx, claimed));
  }
}

/**
 * At the start of leadership: verification jobs that were running when the previous controller
 * died run again (a verification only reads; its job run is marked interrupted).
 */
export async function requeueInterruptedVerifications(db: Db, token: number, now: Date): Promise<number> {
  return fencedTransaction(db, token, async (tx) => {
    const rows = await tx
      .update(verifications)
      .set({ status: "pending", updatedAt: now })
      .where(and(eq(verifications.status, "running"), eq(verifications.source, "job")))
      .returning();
    if (rows.length) {
      const deploymentIds = rows.map((r) => r.deploymentId);
      await tx
        .update(jobRuns)
        .set({ state: "failed", exitCode: -1, output: "Interrupted: Slipway's controller stopped while this verification ran; it runs again.", finishedAt: now })
        .where(
          and(
            eq(jobRuns.state, "running"),
            inArray(jobRuns.deploymentId, deploymentIds),
            inArray(
              jobRuns.trigger,
              rows.map((r) => `verification ${r.name}`),
            ),
          ),
        );
    }
    return rows.length;
  });
}
