import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { environments, jobRuns, type JobRun } from "@/db/schema";
import { automationActor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";
import { recordAudit } from "@/lib/services/audit";
import { environmentAuditRef } from "@/lib/services/pipeline-scope";
import { fencedTransaction } from "./fencing";
import type { PlatformRegistry } from "@/lib/platform/registry";
import { runRecordedJob, type JobContext } from "./job-records";
import { currentSpecs } from "./specs";

/** Takes queued jobs for this leader: each is claimed once (queued → running) under the fencing token. */
export async function claimQueuedJobs(db: Db, token: number, clock: Clock): Promise<JobRun[]> {
  const queued = await db.select().from(jobRuns).where(eq(jobRuns.state, "queued")).orderBy(asc(jobRuns.createdAt)).limit(10);
  const claimed: JobRun[] = [];
  for (const job of queued) {
    const [row] = await fencedTransaction(db, token, (tx) =>
      tx
        .update(jobRuns)
        .set({ state: "running", startedAt: clock.now() })
        .where(and(eq(jobRuns.id, job.id), eq(jobRuns.state, "queued")))
        .returning(),
    );
    if (row) claimed.push(row);
  }
  return claimed;
}

/**
 * A job asked for by hand runs with the code the environment runs now, once; a job left running by
 * a controller that died is not repeated (seeds are not always idempotent): it fails with a reason.
 */
export async function runClaimedJob(ctx: Omit<JobContext, "platform"> & { platforms: PlatformRegistry }, job: JobRun): Promise<void> {
  const environment = (await ctx.db.query.environments.findFirst({ where: eq(environments.id, job.environmentId) }))!;
  const plans = await currentSpecs(ctx.db, environment, job.id);
  const plan = plans.find((p) => p.appId === job.appId);
  if (!plan) {
    await fencedTransaction(ctx.db, ctx.token(), (tx) => tx.update(jobRuns).set({ state: "failed", exitCode: -1, output: "Nothing of this app runs in the environment any more.", finishedAt: ctx.clock.now() }).where(eq(jobRuns.id, job.id)));
    return;
  }
  const result = await runRecordedJob(
    { ...ctx, platform: ctx.platforms.forEnvironment(environment.name) },
    {
      environmentId: job.environmentId,
      plan,
      job: job.job,
      trigger: job.trigger,
      jobRunId: job.id,
      secretValues: plans.flatMap((p) => p.secretValues),
    },
  );
  await fencedTransaction(ctx.db, ctx.token(), async (tx) =>
    recordAudit(tx, automationActor(), ctx.clock, {
      action: "job.finish",
      targetType: "environment",
      targetId: await environmentAuditRef(tx, environment),
      data: { jobRunId: job.id, app: plan.app, job: job.job, exitCode: result.exitCode, durationMs: result.durationMs },
    }),
  );
}

/** Jobs that were running when their controller died: they may or may not have run, so they fail visibly. */
export async function failInterruptedJobs(db: Db, token: number, clock: Clock): Promise<number> {
  const rows = await fencedTransaction(db, token, (tx) =>
    tx
      .update(jobRuns)
      .set({ state: "failed", exitCode: -1, output: sql`${jobRuns.output} || ${"\nInterrupted: Slipway's controller stopped while this job ran. Check its effect, then run it again if needed."}`, finishedAt: clock.now() })
      .where(and(eq(jobRuns.state, "running"), sql`${jobRuns.deploymentId} is null`))
      .returning({ id: jobRuns.id }),
  );
  return rows.length;
}
