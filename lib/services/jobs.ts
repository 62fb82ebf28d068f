import { and, desc, eq, getTableColumns, inArray, sql, type SQLWrapper } from "drizzle-orm";
import type { PgSelect, SelectedFields } from "drizzle-orm/pg-core";
import { fromJsonArray, jsonArray, jsonObject, type NestedRead } from "@/db/queries/json-rows";
import { z } from "zod";
import type { Db } from "@/db/client";
import { apps, environmentApps, environments, jobRuns, users, type JobRun } from "@/db/schema";
import { newId } from "@/lib/ids";
import { recordAudit } from "./audit";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { ConflictError, NotFoundError, RuleError, ValidationError } from "./errors";
import { appName, environmentRef } from "./schemas";
import { parseInput } from "./validation";
import { findLiveEnvironment, pipelineTarget, qualifiedName } from "./pipeline-scope";

export const runJobInput = z
  .strictObject({
    environment: environmentRef,
    app: appName,
    job: z.enum(["seed"]).default("seed").meta({ description: "The job to run by hand (seed data)" }),
    confirm: z.string().max(100).optional().meta({ description: "The environment's name, typed to confirm (required for the last environment of the chain)" }),
  })
  .meta({ id: "RunJob" });

/** Whether the environment is the end of the chain (prod): there, a person types its name to confirm. */
async function isLastInChain(db: Db, environment: { pipelineId: string; kind: string; position: number | null }): Promise<boolean> {
  if (environment.kind !== "fixed") return false;
  const [row] = await db
    .select({ last: sql<number>`max(${environments.position})` })
    .from(environments)
    .where(and(eq(environments.pipelineId, environment.pipelineId), eq(environments.kind, "fixed"), eq(environments.state, "active")));
  return row?.last === environment.position;
}

/**
 * Runs the app's seed job by hand, once, with the code the environment runs. Only by hand: seeds
 * change data, so they never run by themselves. The controller runs it and keeps its output.
 *
 * @returns the job run, queued for the controller
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`, `job_in_progress`; 422 `no_such_job`, `nothing_deployed`
 */
export async function requestJob(ctx: ServiceContext, input: unknown): Promise<JobRun> {
  authorizeKind(ctx, "job.run", "environment");
  const data = parseInput(runJobInput, input);
  const job = await ctx.db.transaction(async (tx) => {
    const environment = await findLiveEnvironment(tx, data.environment, { lock: true });
    if (!environment) throw new NotFoundError(`No environment named "${data.environment}".`);
    const pipeline = await pipelineTarget(tx, environment.pipelineId);
    const ref = qualifiedName(pipeline, environment.name);
    authorize(ctx, "job.run", { type: "environment", id: ref, pipeline });
    const [app] = await tx
      .select()
      .from(apps)
      .where(and(eq(apps.pipelineId, environment.pipelineId), eq(apps.name, data.app)));
    if (!app) throw new ValidationError(`Unknown app "${data.app}".`, { app: `unknown app "${data.app}"` });
    const seed = app.settings.seed;
    if (!seed) throw new RuleError(`${app.name} has no seed job in its pipeline file.`, "no_such_job");
    if ((await isLastInChain(tx, environment)) && data.confirm !== environment.name) {
      throw new ValidationError(`Type "${environment.name}" to confirm seeding ${environment.name}.`, { confirm: `type "${environment.name}" to confirm` });
    }
    const [cell] = await tx
      .select()
      .from(environmentApps)
      .where(and(eq(environmentApps.environmentId, environment.id), eq(environmentApps.appId, app.id)));
    if (!cell?.buildId) throw new RuleError(`Nothing of ${app.name} runs in ${environment.name}: deploy it first.`, "nothing_deployed");
    const [busy] = await tx
      .select({ id: jobRuns.id })
      .from(jobRuns)
      .where(and(eq(jobRuns.environmentId, environment.id), eq(jobRuns.appId, app.id), eq(jobRuns.job, seed.job), inArray(jobRuns.state, ["queued", "running"])));
    if (busy) throw new ConflictError(`The ${seed.job} job of ${app.name} is already queued or running in ${environment.name} (${busy.id}).`, "job_in_progress");
    const row: JobRun = {
      id: newId("job"),
      environmentId: environment.id,
      appId: app.id,
      job: seed.job,
      trigger: "by hand",
      deploymentId: null,
      buildId: cell.buildId,
      requestedBy: ctx.actor.id,
      state: "queued",
      exitCode: null,
      output: "",
      durationMs: null,
      createdAt: ctx.clock.now(),
      startedAt: null,
      finishedAt: null,
    };
    await tx.insert(jobRuns).values(row);
    await recordAudit(tx, ctx.actor, ctx.clock, { action: "job.request", targetType: "environment", targetId: ref, data: { jobRunId: row.id, app: app.name, job: seed.job } });
    return row;
  });
  ctx.onWorkQueued?.();
  return job;
}

export interface JobRunView extends JobRun {
  app: string;
  requestedByName: string | null;
}

/** One job run as an environment lists it: the run, its app's name and who asked for it (null: the deployment ran it). */
const jobRunFields = { ...getTableColumns(jobRuns), app: apps.name, requestedByName: users.name };

/** The latest `limit` job runs of an environment (newest first), selecting `fields`; `environmentId` may be a column of an outer statement. */
function latestJobRuns(db: Db, fields: SelectedFields, environmentId: string | SQLWrapper, limit: number): PgSelect {
  return db
    .select(fields)
    .from(jobRuns)
    .$dynamic()
    .innerJoin(apps, eq(apps.id, jobRuns.appId))
    .leftJoin(users, eq(users.id, jobRuns.requestedBy))
    .where(eq(jobRuns.environmentId, environmentId))
    .orderBy(desc(jobRuns.createdAt), desc(jobRuns.id))
    .limit(limit);
}

/** The latest jobs of an environment (by hand and as deployment steps), newest first: one statement. */
export async function listJobRuns(db: Db, environmentId: string, limit = 20): Promise<JobRunView[]> {
  return (await latestJobRuns(db, jobRunFields, environmentId, limit)) as JobRunView[];
}

/**
 * listJobRuns() nested in another statement as one JSON column (the environment page reads them
 * with the environment): `environmentId` is usually the outer statement's column.
 */
export function jobRunsNested(db: Db, environmentId: SQLWrapper, limit = 20): NestedRead<JobRunView[]> {
  return {
    sql: jsonArray(latestJobRuns(db, { row: jsonObject(jobRunFields) }, environmentId, limit)),
    read: (value) => fromJsonArray(jobRunFields, value) as JobRunView[],
  };
}
