import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { preparedRead } from "@/db/queries/prepared";
import { healthSamples, type Environment } from "@/db/schema";
import { errorBudget, evaluateBurnRate, type BurnRateEvaluation } from "@/lib/domain/burn-rate";
import type { Clock } from "@/lib/domain/clock";

/** One minute of an environment's traffic, every app summed. */
export interface TrafficMinute {
  at: string;
  requests: number;
  errors: number;
  /** The worst app's p95 in that minute. */
  p95Ms: number | null;
}

export interface SloStatus {
  availability: number;
  windowMs: number;
  /** Share of the window's error budget left (1 = untouched, below 0 = overspent); null without traffic. */
  budgetLeft: number | null;
  requests: number;
  errors: number;
  /** The burn-rate rules read now over everything (not only since the last deployment). */
  burn: BurnRateEvaluation;
}

export interface EnvironmentTraffic {
  minutes: TrafficMinute[];
  slo: SloStatus | null;
}

// Read on every environment page: prepared (db/queries/prepared.ts), built once instead of per request.
const trafficByMinute = preparedRead("traffic_by_minute", (db, name) =>
  db
    .select({ at: healthSamples.bucketStart, requests: sql<number>`sum(${healthSamples.requests})::int`, errors: sql<number>`sum(${healthSamples.errors})::int`, p95Ms: sql<number | null>`max(${healthSamples.p95Ms})` })
    .from(healthSamples)
    .where(and(eq(healthSamples.environmentId, sql.placeholder("environmentId")), sql`${healthSamples.bucketStart} >= ${sql.placeholder("since")}::timestamptz`))
    .groupBy(healthSamples.bucketStart)
    .orderBy(asc(healthSamples.bucketStart))
    .prepare(name),
);

/**
 * An environment's traffic for its page: the last `minutes` minute by minute (gaps filled with
 * zeros so the chart's time axis is true), and where its SLO stands. One statement: the buckets of
 * whichever reaches further back, the chart's hour or the SLO's window, each part taking its own.
 */
export async function environmentTraffic(db: Db, clock: Clock, environment: Pick<Environment, "id" | "settings">, minutes = 60): Promise<EnvironmentTraffic> {
  const now = clock.now();
  const from = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - (minutes - 1) * 60_000);
  const slo = environment.settings.slo;
  const windowStart = slo ? new Date(now.getTime() - slo.window) : null;
  const since = windowStart && windowStart < from ? windowStart : from;
  const rows = await trafficByMinute(db, { environmentId: environment.id, since });
  const byMinute = new Map(rows.filter((r) => r.at >= from).map((r) => [r.at.getTime(), r]));
  const series: TrafficMinute[] = Array.from({ length: minutes }, (_, i) => {
    const at = from.getTime() + i * 60_000;
    const row = byMinute.get(at);
    return { at: new Date(at).toISOString(), requests: Number(row?.requests ?? 0), errors: Number(row?.errors ?? 0), p95Ms: row?.p95Ms === null || row?.p95Ms === undefined ? null : Number(row.p95Ms) };
  });

  if (!slo || !windowStart) return { minutes: series, slo: null };
  const numeric = rows.filter((r) => r.at >= windowStart).map((s) => ({ bucketStart: s.at, requests: Number(s.requests), errors: Number(s.errors) }));
  const requests = numeric.reduce((n, s) => n + s.requests, 0);
  const errors = numeric.reduce((n, s) => n + s.errors, 0);
  const budgetLeft = requests > 0 ? 1 - errors / requests / errorBudget(slo.availability) : null;
  return { minutes: series, slo: { availability: slo.availability, windowMs: slo.window, budgetLeft, requests, errors, burn: evaluateBurnRate({ samples: numeric, now, slo }) } };
}
