import { apiMutation, apiRead, bodyWith } from "@/lib/api/handler";
import { authorize } from "@/lib/services/authorize";
import { getEnvironment } from "@/lib/services/environments";
import { listJobRuns, requestJob } from "@/lib/services/jobs";
import { envRef } from "@/lib/api/scope";

const jobDto = (j: Awaited<ReturnType<typeof listJobRuns>>[number]) => ({
  id: j.id,
  app: j.app,
  job: j.job,
  trigger: j.trigger,
  state: j.state,
  exitCode: j.exitCode,
  output: j.output,
  durationMs: j.durationMs,
  deploymentId: j.deploymentId,
  requestedBy: j.requestedByName,
  createdAt: j.createdAt.toISOString(),
  finishedAt: j.finishedAt?.toISOString() ?? null,
});

export const GET = apiRead<{ name: string; pipeline?: string }>(async ({ ctx, params }) => {
  authorize(ctx, "pipeline.view");
  const environment = await getEnvironment(ctx.db, ctx.clock, envRef(params));
  return { items: (await listJobRuns(ctx.db, environment.id, 50)).map(jobDto), nextCursor: null };
});

/** Runs the app's seed job by hand (202: the controller runs it once and keeps its output). */
export const POST = apiMutation<{ name: string; pipeline?: string }>(async ({ ctx, body, params }) => {
  const job = await requestJob(ctx, bodyWith(body, { environment: envRef(params) }));
  return { status: 202, body: { id: job.id, state: job.state, job: job.job } };
});
