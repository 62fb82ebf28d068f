import { and, asc, eq, gte, inArray, or, sql } from "drizzle-orm";
import { z } from "zod";
import { apps, deployments, environments, releases } from "@/db/schema";
import { deliveryMetrics, type DeliveryMetrics, type DeploymentRecord, type Period } from "@/lib/domain/delivery-metrics";
import { authorize } from "./authorize";
import type { ServiceContext } from "./context";
import { ValidationError } from "./errors";
import { choosePipeline, parseRef, pipelineById, resolvePipeline } from "./pipeline-scope";
import { appName, environmentRef, id, pipelineName } from "./schemas";
import { parseInput } from "./validation";

export const METRICS_PERIODS = { "7d": 7, "30d": 30, "90d": 90 } as const;
export type MetricsPeriod = keyof typeof METRICS_PERIODS;

export const deliveryMetricsInput = z.object({
  period: z.enum(Object.keys(METRICS_PERIODS) as [MetricsPeriod, ...MetricsPeriod[]], { error: "expected 7d, 30d or 90d" }).default("30d"),
  pipeline: pipelineName.optional().meta({ description: "The pipeline to measure; needed only when several exist and `environment` does not say" }),
  environment: environmentRef.optional().meta({ description: "Measure this environment; default: production (the last of the chain)" }),
  app: appName.optional().meta({ description: "Only deployments that changed this app's build" }),
  pipelineId: id.optional().meta({ description: "Measure this pipeline (its id); default: the first loaded" }),
});

/** One line of a breakdown table: the four headline numbers for one environment or one app. */
export interface MetricsSummary {
  name: string;
  deployments: number;
  perWeek: number;
  leadTimeMedianMs: number | null;
  changes: number;
  failed: number;
  changeFailureRate: number | null;
  restoreMedianMs: number | null;
  openOutages: number;
}

export interface DeliveryMetricsView {
  /** The pipeline measured. */
  pipelineId: string;
  period: { key: MetricsPeriod; days: number; from: Date; to: Date };
  /** What the numbers cover: the environment measured (production by default) and the app, if any. */
  scope: { environment: string; app: string | null };
  productionEnvironment: string;
  /** Choices for the filters: fixed environments in chain order, then review environments. */
  environments: { name: string; kind: "fixed" | "review" }[];
  apps: string[];
  metrics: DeliveryMetrics;
  byEnvironment: MetricsSummary[];
  byApp: MetricsSummary[];
}

const DAY_MS = 86_400_000;

/** The last `days` UTC days, today included (so the charts' first and last bars are whole days but today). */
export function metricsPeriod(now: Date, days: number): Period {
  const startOfToday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return { from: new Date(startOfToday - (days - 1) * DAY_MS), to: now };
}

function summarize(name: string, m: DeliveryMetrics): MetricsSummary {
  return {
    name,
    deployments: m.frequency.total,
    perWeek: m.frequency.perWeek,
    leadTimeMedianMs: m.leadTime.medianMs,
    changes: m.changeFailure.total,
    failed: m.changeFailure.failed,
    changeFailureRate: m.changeFailure.rate,
    restoreMedianMs: m.restore.medianMs,
    openOutages: m.restore.open,
  };
}

const toDate = (value: unknown) => (value instanceof Date ? value : new Date(String(value)));

/**
 * The deployments the measures need, in one statement: every deployment of the pipeline that
 * ended (or was created) in the period, plus earlier deployments of the same releases, so a
 * release that first reached an environment before the period is not counted as a new change.
 *
 * The commit time is the earliest build registered for the release's own commit (CI builds right
 * after a push; a release can be cut hours later), falling back to the release's creation.
 */
async function loadDeploymentRecords(ctx: ServiceContext, pipelineId: string, from: Date): Promise<DeploymentRecord[]> {
  // Both halves stay inside the pipeline's environments and read by deployments_env_ended_idx: the
  // releases-in-period half once ranged over every pipeline's deployments (25 s at a million).
  const endedOrCreated = sql`coalesce(${deployments.finishedAt}, ${deployments.createdAt})`;
  const pipelineEnvironments = ctx.db.select({ id: environments.id }).from(environments).where(eq(environments.pipelineId, pipelineId));
  const inPipeline = inArray(deployments.environmentId, pipelineEnvironments);
  const releasesInPeriod = ctx.db
    .select({ id: deployments.releaseId })
    .from(deployments)
    .where(and(inPipeline, gte(endedOrCreated, from)));
  const rows = await ctx.db
    .select({
      id: deployments.id,
      environment: environments.name,
      kind: deployments.kind,
      state: deployments.state,
      createdAt: deployments.createdAt,
      startedAt: deployments.startedAt,
      finishedAt: deployments.finishedAt,
      releaseId: deployments.releaseId,
      committedAt: sql`coalesce(
        (select min(b.created_at) from release_builds rb join builds b on b.id = rb.build_id
          where rb.release_id = ${deployments.releaseId} and b.commit = ${releases.commit}),
        ${releases.createdAt})`.mapWith(toDate),
      // Apps whose build differs from the one the environment ran before (all apps on a first deployment).
      changedApps: sql<string[]>`array(
        select a.name from release_builds rb join ${apps} a on a.id = rb.app_id
        where rb.release_id = ${deployments.releaseId}
          and rb.build_id is distinct from (
            select pb.build_id from release_builds pb where pb.release_id = ${deployments.previousReleaseId} and pb.app_id = rb.app_id)
        order by a.position)`,
    })
    .from(deployments)
    .innerJoin(environments, eq(environments.id, deployments.environmentId))
    .innerJoin(releases, eq(releases.id, deployments.releaseId))
    .where(and(inPipeline, or(gte(endedOrCreated, from), inArray(deployments.releaseId, releasesInPeriod))));
  return rows.map((r) => ({ ...r, changedApps: Array.isArray(r.changedApps) ? r.changedApps : [] }));
}

/**
 * Delivery measures (DORA) for the metrics page, for one pipeline (`pipeline`, the pipeline of a
 * qualified or unambiguous `environment`, else the only one; 409 `ambiguous` when several): one
 * scope in detail, and per environment and per app.
 *
 * @returns the delivery (DORA) metrics for the pipeline, environment, app and window asked
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`
 */
export async function getDeliveryMetrics(ctx: ServiceContext, input: unknown): Promise<DeliveryMetricsView> {
  const parsed = parseInput(deliveryMetricsInput, input);
  authorize(ctx, "pipeline.view");
  const scope = parsed.environment ? parseRef(parsed.environment) : null;
  const named = parsed.pipeline ?? scope?.pipeline ?? undefined;
  const pipeline = parsed.pipelineId
    ? await pipelineById(ctx.db, parsed.pipelineId).catch(() => {
        throw new ValidationError(`Invalid pipeline: no pipeline with id "${parsed.pipelineId}".`, { pipelineId: "no such pipeline" });
      })
    : named
      ? await resolvePipeline(ctx.db, named)
      : await choosePipeline(ctx.db, { environment: parsed.environment }).catch((error: unknown) => {
          // A retired environment still has history: fall back to the only pipeline.
          if (error instanceof ValidationError) return choosePipeline(ctx.db, {});
          throw error;
        });
  authorize(ctx, "pipeline.view", { type: "pipeline", id: pipeline.id, pipeline: { id: pipeline.id, teamId: pipeline.teamId } });
  const q = { ...parsed, environment: scope?.name };
  const [environmentRows, appRows] = await Promise.all([
    ctx.db
      .select({ name: environments.name, kind: environments.kind, position: environments.position, state: environments.state })
      .from(environments)
      .where(eq(environments.pipelineId, pipeline.id))
      .orderBy(asc(environments.position), asc(environments.name)),
    ctx.db.select({ name: apps.name, retiredAt: apps.retiredAt }).from(apps).where(eq(apps.pipelineId, pipeline.id)).orderBy(asc(apps.position)),
  ]);
  const fixed = environmentRows.filter((e) => e.kind === "fixed" && e.state !== "retired");
  const productionEnvironment = fixed.at(-1)?.name;
  if (!productionEnvironment) throw new ValidationError("The pipeline has no environments yet.", { environment: "no environment to measure" });
  if (q.environment && !environmentRows.some((e) => e.name === q.environment)) {
    throw new ValidationError(`Invalid environment: no environment named "${q.environment}".`, { environment: `no environment named "${q.environment}"` });
  }
  if (q.app && !appRows.some((a) => a.name === q.app)) {
    throw new ValidationError(`Invalid app: no app named "${q.app}".`, { app: `no app named "${q.app}"` });
  }

  const days = METRICS_PERIODS[q.period];
  const period = metricsPeriod(ctx.clock.now(), days);
  const rows = await loadDeploymentRecords(ctx, pipeline.id, period.from);
  const environment = q.environment ?? productionEnvironment;
  const app = q.app ?? null;
  const measure = (scope: { environment: string; app?: string | undefined }) => deliveryMetrics(rows, period, { scope, productionEnvironment });

  // Review environments come and go: list the ones with deployments in the period (and a chosen one).
  const reviewNames = [...new Set(environmentRows.filter((e) => e.kind === "review").map((e) => e.name))].filter((name) => name === environment || rows.some((r) => r.environment === name && r.finishedAt && r.finishedAt >= period.from));
  const environmentChoices = [...fixed.map((e) => ({ name: e.name, kind: "fixed" as const })), ...reviewNames.map((name) => ({ name, kind: "review" as const }))];
  // A retired environment can still be measured when asked for by name: its history stays.
  if (!environmentChoices.some((e) => e.name === environment)) environmentChoices.push({ name: environment, kind: "fixed" });
  const appNames = appRows.filter((a) => !a.retiredAt || a.name === app).map((a) => a.name);

  return {
    pipelineId: pipeline.id,
    period: { key: q.period, days, from: period.from, to: period.to },
    scope: { environment, app },
    productionEnvironment,
    environments: environmentChoices,
    apps: appNames,
    metrics: measure({ environment, app: q.app }),
    byEnvironment: environmentChoices.map((e) => summarize(e.name, measure({ environment: e.name, app: q.app }))),
    byApp: appNames.map((name) => summarize(name, measure({ environment, app: name }))),
  };
}
