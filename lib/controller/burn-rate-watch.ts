import { and, desc, eq, gte, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments, environments, healthSamples, releases } from "@/db/schema";
import { ACTIVE_DEPLOYMENT_STATES } from "@/db/schema/enums";
import type { EnvironmentConfig } from "@/lib/config/schema";
import { evaluateBurnRate, type BurnRateEvaluation } from "@/lib/domain/burn-rate";
import type { Clock } from "@/lib/domain/clock";
import { requestAutomaticRollback, type AutomaticRollbackDetail } from "@/lib/services/auto-rollback";
import { ServiceError } from "@/lib/services/errors";
import { bucketOf } from "./traffic-sampler";
import { SHIPPED_DEPLOYMENT_STATES } from "@/lib/domain/vocabulary";

type Slo = NonNullable<EnvironmentConfig["slo"]>;

const percent = (ratio: number | null) => (ratio === null ? "no traffic" : `${(ratio * 100).toFixed(ratio < 0.001 ? 3 : 1)}%`);
const duration = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 1000)}s`);

/** The sentence in history: what burned, how fast, against which rule. */
export function describeBreach(evaluation: BurnRateEvaluation, slo: Slo, commit: string): string {
  const reading = evaluation.windows.find((w) => w.name === evaluation.rule)!;
  const rule = slo.burnRate[evaluation.rule!];
  return (
    `Error budget burning ${reading.short.burn!.toFixed(1)}× too fast after deploying ${commit.slice(0, 7)}: ` +
    `${percent(reading.long.ratio)} of requests failed over ${duration(rule.long)} and ${percent(reading.short.ratio)} over ${duration(rule.short)}, ` +
    `above the ${evaluation.rule} rule's ${rule.threshold}× for a ${slo.availability}% objective.`
  );
}

/**
 * After a deployment, for `watchAfterDeploy`, the environment's error budget is watched with the
 * SLO's multi-window burn-rate rules, reading only the traffic its release served since it finished.
 * When a rule fires (with at least `minRequests` in its short window) and `autoRollback` is on,
 * Slipway rolls the environment back by itself, recording the figures and `metricsProvider` (the
 * provider that sampled them) on the rollback. Returns the rollbacks requested.
 */
export async function watchBurnRates(db: Db, clock: Clock, log: (line: string) => void, refused: Set<string> = new Set(), metricsProvider?: string, pipelineId?: string): Promise<string[]> {
  const now = clock.now();
  const watched = await db
    .select()
    .from(environments)
    .where(and(eq(environments.kind, "fixed"), eq(environments.state, "active"), pipelineId ? eq(environments.pipelineId, pipelineId) : undefined));
  const requested: string[] = [];
  for (const environment of watched) {
    const slo = environment.settings.slo;
    if (!slo?.autoRollback) continue;
    const [latest] = await db
      .select({ id: deployments.id, kind: deployments.kind, state: deployments.state, finishedAt: deployments.finishedAt, releaseId: deployments.releaseId, commit: releases.commit })
      .from(deployments)
      .innerJoin(releases, eq(releases.id, deployments.releaseId))
      .where(and(eq(deployments.environmentId, environment.id), inArray(deployments.state, [...SHIPPED_DEPLOYMENT_STATES])))
      .orderBy(desc(deployments.finishedAt))
      .limit(1);
    // Only what a deployment (not a rollback) just brought in, and only while it is watched.
    if (!latest || latest.kind === "rollback" || latest.state !== "succeeded" || !latest.finishedAt) continue;
    if (now.getTime() - latest.finishedAt.getTime() > slo.watchAfterDeploy || refused.has(latest.id)) continue;
    const [busy] = await db
      .select({ id: deployments.id })
      .from(deployments)
      .where(and(eq(deployments.environmentId, environment.id), inArray(deployments.state, [...ACTIVE_DEPLOYMENT_STATES]), eq(deployments.kind, "rollback")));
    if (busy) continue;

    const samples = await db
      .select({ bucketStart: healthSamples.bucketStart, requests: healthSamples.requests, errors: healthSamples.errors })
      .from(healthSamples)
      .where(and(eq(healthSamples.environmentId, environment.id), eq(healthSamples.releaseId, latest.releaseId), gte(healthSamples.bucketStart, bucketOf(latest.finishedAt))));
    const evaluation = evaluateBurnRate({ samples, now, slo });
    if (!evaluation.firing) continue;
    const rule = slo.burnRate[evaluation.rule!];
    const inShort = samples.filter((s) => s.bucketStart.getTime() >= now.getTime() - rule.short);
    const requests = inShort.reduce((n, s) => n + s.requests, 0);
    if (requests < slo.minRequests) continue;

    const detail: AutomaticRollbackDetail = {
      trigger: "burn-rate",
      deploymentId: latest.id,
      rule: evaluation.rule!,
      availability: slo.availability,
      threshold: rule.threshold,
      windows: evaluation.windows.map((w) => ({
        name: w.name,
        long: { ms: slo.burnRate[w.name].long, ratio: w.long.ratio, burn: w.long.burn },
        short: { ms: slo.burnRate[w.name].short, ratio: w.short.ratio, burn: w.short.burn },
        threshold: w.threshold,
        firing: w.firing,
      })),
      requests,
      errors: inShort.reduce((n, s) => n + s.errors, 0),
      ...(metricsProvider ? { metricsProvider } : {}),
      breachedAt: now.toISOString(),
    };
    try {
      const rollback = await requestAutomaticRollback({ db, clock }, { environment: environment.name, environmentId: environment.id, reason: describeBreach(evaluation, slo, latest.commit), detail });
      requested.push(rollback.id);
      log(`${environment.name}: automatic rollback ${rollback.id}: ${evaluation.rule} burn-rate rule fired`);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      // Refused rollbacks create nothing; say so once, not every pass.
      refused.add(latest.id);
      log(`${environment.name}: the burn-rate rule fired but the rollback was refused: ${error.message}`);
    }
  }
  return requested;
}
