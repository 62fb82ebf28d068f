import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { jobRuns } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import type { JobResult, PlatformAdapter } from "@/lib/platform/types";
import { redactSecrets } from "@/lib/services/config-vars";
import { fencedTransaction } from "./fencing";
import type { AppPlan } from "./specs";

const MAX_OUTPUT = 64 * 1024;

export interface JobContext {
  db: Db;
  platform: PlatformAdapter;
  clock: Clock;
  token: () => number;
}

/**
 * Runs a job on the platform (exactly one instance) and keeps its record: output (secrets
 * redacted) and exit status, with the deployment that ran it.
 */
export async function runRecordedJob(
  ctx: JobContext,
  input: {
    environmentId: string;
    plan: AppPlan;
    job: string;
    trigger: string;
    deploymentId?: string | null;
    requestedBy?: string | null;
    jobRunId?: string;
    /** Every secret of the environment (not only this app's): output is redacted of all of them. */
    secretValues?: readonly string[];
  },
): Promise<JobResult> {
  const id = input.jobRunId ?? newId("job");
  const startedAt = ctx.clock.now();
  await fencedTransaction(ctx.db, ctx.token(), async (tx) => {
    if (input.jobRunId) {
      await tx.update(jobRuns).set({ state: "running", startedAt }).where(eq(jobRuns.id, id));
    } else {
      await tx.insert(jobRuns).values({
        id,
        environmentId: input.environmentId,
        appId: input.plan.appId,
        job: input.job,
        trigger: input.trigger,
        deploymentId: input.deploymentId ?? null,
        buildId: input.plan.spec.build.buildId,
        requestedBy: input.requestedBy ?? null,
        state: "running",
        createdAt: startedAt,
        startedAt,
      });
    }
  });
  let result: JobResult;
  try {
    result = await ctx.platform.runJob({
      environment: input.plan.spec.environment,
      app: input.plan.app,
      build: input.plan.spec.build,
      job: input.job,
      config: input.plan.spec.config,
      reference: input.deploymentId ?? id,
    });
  } catch (error) {
    result = { exitCode: -1, output: `The job could not run: ${(error as Error).message}`, durationMs: ctx.clock.now().getTime() - startedAt.getTime() };
  }
  const output = redactSecrets(result.output, input.secretValues ?? input.plan.secretValues).slice(-MAX_OUTPUT);
  await fencedTransaction(ctx.db, ctx.token(), (tx) =>
    tx
      .update(jobRuns)
      .set({ state: result.exitCode === 0 ? "succeeded" : "failed", exitCode: result.exitCode, output, durationMs: result.durationMs, finishedAt: ctx.clock.now() })
      .where(eq(jobRuns.id, id)),
  );
  return { ...result, output };
}
