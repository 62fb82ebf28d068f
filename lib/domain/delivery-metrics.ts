import type { DeploymentKind, DeploymentState } from "@/db/schema/enums";

/**
 * The four DORA delivery measures, computed from Slipway's own deployment records. Pure: rows and
 * the period come in, numbers and per-day series (for charts) come out.
 *
 * Definitions, and why:
 * - A deployment "landed" when it succeeded (its state is `succeeded`, or `rolled-back`: that one
 *   succeeded too, and was undone later). Its moment is `finishedAt`.
 * - A deployment that failed before it started rolling out (a gate refusal) never changed the
 *   environment, so it is not a deployment for these measures at all.
 * - Deployment frequency: landed deployments of every kind (a rollback is a deployment too).
 * - Lead time for changes: from the commit to the release's first successful promotion (or
 *   fast-track) into the target environment — production unless an environment is chosen. The
 *   commit time is the caller's `committedAt` (the metrics service uses the earliest build of the
 *   release's commit: CI builds minutes after a push, while a release may be cut much later).
 * - Change failure rate: of the changes that reached the environment (rollbacks excluded: they
 *   are the remedy, not a change), the share that failed or were later rolled back.
 * - Time to restore: from a failed or rolled-back deployment to the next deployment in that
 *   environment that succeeded and stayed so. Consecutive failures are one outage, timed from the
 *   first; an outage not restored yet is counted as open, not timed.
 * Days are UTC days; a period is [from, to).
 */

export interface DeploymentRecord {
  id: string;
  environment: string;
  kind: DeploymentKind;
  state: DeploymentState;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  releaseId: string;
  /** When the change was made (the commit time, or the caller's proxy for it). */
  committedAt: Date;
  /** The apps whose build this deployment changed. */
  changedApps: readonly string[];
}

export interface Period {
  from: Date;
  to: Date;
}

/** Which deployments count: one environment (else all), and only those that changed one app. */
export interface DeliveryScope {
  environment?: string | undefined;
  app?: string | undefined;
}

export interface DurationStats {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
}

export interface DeploymentFrequency {
  total: number;
  perDay: number;
  perWeek: number;
  series: { day: string; count: number }[];
}

export interface LeadTime extends DurationStats {
  environment: string;
  series: { day: string; count: number; medianMs: number | null }[];
  changes: { releaseId: string; deploymentId: string; landedAt: Date; leadTimeMs: number }[];
}

export interface ChangeFailureRate {
  total: number;
  failed: number;
  rate: number | null;
  series: { day: string; total: number; failed: number }[];
}

export interface Outage {
  environment: string;
  deploymentId: string;
  startedAt: Date;
  restoredAt: Date | null;
  restoredBy: string | null;
  durationMs: number | null;
}

export interface TimeToRestore extends DurationStats {
  open: number;
  series: { day: string; count: number; medianMs: number | null }[];
  outages: Outage[];
}

export interface DeliveryMetrics {
  days: string[];
  frequency: DeploymentFrequency;
  leadTime: LeadTime;
  changeFailure: ChangeFailureRate;
  restore: TimeToRestore;
}

const DAY_MS = 86_400_000;

export function dayKey(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Every UTC day the period touches, oldest first, as "YYYY-MM-DD". */
export function periodDays(period: Period): string[] {
  const days: string[] = [];
  const first = Date.UTC(period.from.getUTCFullYear(), period.from.getUTCMonth(), period.from.getUTCDate());
  for (let t = first; t < period.to.getTime(); t += DAY_MS) days.push(dayKey(new Date(t)));
  return days;
}

function inPeriod(at: Date | null, period: Period): at is Date {
  return at !== null && at.getTime() >= period.from.getTime() && at.getTime() < period.to.getTime();
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank percentile: a value that really occurred, "p of the values were at most this". */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function durationStats(values: readonly number[]): DurationStats {
  return { count: values.length, medianMs: median(values), p90Ms: percentile(values, 90) };
}

function dailyMedians(days: string[], points: { at: Date; ms: number }[]) {
  const byDay = new Map<string, number[]>();
  for (const p of points) byDay.set(dayKey(p.at), [...(byDay.get(dayKey(p.at)) ?? []), p.ms]);
  return days.map((day) => ({ day, count: byDay.get(day)?.length ?? 0, medianMs: median(byDay.get(day) ?? []) }));
}

const landed = (d: DeploymentRecord) => (d.state === "succeeded" || d.state === "rolled-back") && d.finishedAt !== null;
/** Failed while (or after) touching the environment; a refusal before the rollout is no failure of a change. */
const failedRollout = (d: DeploymentRecord) => d.state === "failed" && d.startedAt !== null;
const isFailure = (d: DeploymentRecord) => d.state === "rolled-back" || failedRollout(d);
const endedAt = (d: DeploymentRecord) => d.finishedAt ?? d.createdAt;

function inScope(d: DeploymentRecord, scope: DeliveryScope): boolean {
  return (!scope.environment || d.environment === scope.environment) && (!scope.app || d.changedApps.includes(scope.app));
}

export function deploymentFrequency(rows: readonly DeploymentRecord[], period: Period, scope: DeliveryScope = {}): DeploymentFrequency {
  const days = periodDays(period);
  const counts = new Map<string, number>();
  let total = 0;
  for (const d of rows) {
    if (!inScope(d, scope) || !landed(d) || !inPeriod(d.finishedAt, period)) continue;
    total += 1;
    counts.set(dayKey(d.finishedAt), (counts.get(dayKey(d.finishedAt)) ?? 0) + 1);
  }
  const perDay = days.length ? total / days.length : 0;
  return { total, perDay, perWeek: perDay * 7, series: days.map((day) => ({ day, count: counts.get(day) ?? 0 })) };
}

/** Lead time into `environment` (the scope's environment wins when set). */
export function leadTimeForChanges(rows: readonly DeploymentRecord[], period: Period, scope: DeliveryScope & { environment: string }): LeadTime {
  const environment = scope.environment;
  // A release counts once, at its first arrival: a re-promotion after a rollback is no new change.
  const firstArrival = new Map<string, DeploymentRecord>();
  for (const d of rows) {
    if (d.environment !== environment || !landed(d) || (d.kind !== "promote" && d.kind !== "fast-track")) continue;
    const seen = firstArrival.get(d.releaseId);
    if (!seen || d.finishedAt! < seen.finishedAt!) firstArrival.set(d.releaseId, d);
  }
  const changes = [...firstArrival.values()]
    .filter((d) => inPeriod(d.finishedAt, period) && inScope(d, scope))
    .map((d) => ({ releaseId: d.releaseId, deploymentId: d.id, landedAt: d.finishedAt!, leadTimeMs: Math.max(0, d.finishedAt!.getTime() - d.committedAt.getTime()) }))
    .sort((a, b) => a.landedAt.getTime() - b.landedAt.getTime());
  const values = changes.map((c) => c.leadTimeMs);
  return {
    environment,
    ...durationStats(values),
    series: dailyMedians(
      periodDays(period),
      changes.map((c) => ({ at: c.landedAt, ms: c.leadTimeMs })),
    ),
    changes,
  };
}

export function changeFailureRate(rows: readonly DeploymentRecord[], period: Period, scope: DeliveryScope = {}): ChangeFailureRate {
  const days = periodDays(period);
  const byDay = new Map<string, { total: number; failed: number }>();
  let total = 0;
  let failed = 0;
  for (const d of rows) {
    if (!inScope(d, scope) || d.kind === "rollback" || !(landed(d) || failedRollout(d))) continue;
    const at = endedAt(d);
    if (!inPeriod(at, period)) continue;
    const day = byDay.get(dayKey(at)) ?? { total: 0, failed: 0 };
    day.total += 1;
    total += 1;
    if (isFailure(d)) {
      day.failed += 1;
      failed += 1;
    }
    byDay.set(dayKey(at), day);
  }
  return {
    total,
    failed,
    rate: total ? failed / total : null,
    series: days.map((day) => ({ day, ...(byDay.get(day) ?? { total: 0, failed: 0 }) })),
  };
}

export function timeToRestore(rows: readonly DeploymentRecord[], period: Period, scope: DeliveryScope = {}): TimeToRestore {
  const byEnvironment = new Map<string, DeploymentRecord[]>();
  for (const d of rows) {
    if (scope.environment && d.environment !== scope.environment) continue;
    if (!landed(d) && !failedRollout(d)) continue;
    byEnvironment.set(d.environment, [...(byEnvironment.get(d.environment) ?? []), d]);
  }
  const outages: Outage[] = [];
  for (const [environment, history] of byEnvironment) {
    history.sort((a, b) => endedAt(a).getTime() - endedAt(b).getTime());
    let open: Outage | null = null;
    for (const d of history) {
      // Only failures of the chosen app open an outage; any lasting success in the environment ends it.
      if (isFailure(d) && inScope(d, scope)) {
        open ??= { environment, deploymentId: d.id, startedAt: endedAt(d), restoredAt: null, restoredBy: null, durationMs: null };
      } else if (d.state === "succeeded" && open) {
        outages.push({ ...open, restoredAt: d.finishedAt, restoredBy: d.id, durationMs: d.finishedAt!.getTime() - open.startedAt.getTime() });
        open = null;
      }
    }
    if (open) outages.push(open);
  }
  const counted = outages.filter((o) => inPeriod(o.startedAt, period)).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  const restored = counted.filter((o) => o.durationMs !== null);
  return {
    ...durationStats(restored.map((o) => o.durationMs!)),
    open: counted.length - restored.length,
    series: dailyMedians(
      periodDays(period),
      restored.map((o) => ({ at: o.startedAt, ms: o.durationMs! })),
    ),
    outages: counted,
  };
}

/**
 * All four measures for one scope. Lead time is measured into the scope's environment, else into
 * `productionEnvironment` (DORA's lead time ends in production).
 */
export function deliveryMetrics(rows: readonly DeploymentRecord[], period: Period, options: { scope?: DeliveryScope; productionEnvironment: string }): DeliveryMetrics {
  const scope = options.scope ?? {};
  return {
    days: periodDays(period),
    frequency: deploymentFrequency(rows, period, scope),
    leadTime: leadTimeForChanges(rows, period, { ...scope, environment: scope.environment ?? options.productionEnvironment }),
    changeFailure: changeFailureRate(rows, period, scope),
    restore: timeToRestore(rows, period, scope),
  };
}
