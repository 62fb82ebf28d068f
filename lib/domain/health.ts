import type { HealthStatus } from "@/db/schema/enums";
import { FAILING_HEALTH_STATUSES } from "./vocabulary";

/** Health older than this is shown as stale: the platform has not confirmed it recently. */
export const HEALTH_STALE_AFTER_MS = 2 * 60_000;

export interface ObservedHealth {
  status: HealthStatus;
  observedAt: Date | null;
}

export function isHealthStale(health: ObservedHealth, now: Date, staleAfterMs = HEALTH_STALE_AFTER_MS): boolean {
  return !health.observedAt || now.getTime() - health.observedAt.getTime() > staleAfterMs;
}

/** The first instant at which a reading observed at `observedAt` is stale (isHealthStale's boundary: more than `staleAfterMs` old). */
export function healthStaleFrom(observedAt: Date, staleAfterMs = HEALTH_STALE_AFTER_MS): Date {
  return new Date(observedAt.getTime() + staleAfterMs + 1);
}

/**
 * The oldest observation still fresh at `now` (isHealthStale's boundary, for SQL: a reading is
 * fresh when observed at or after it). What counts as healthy: a `healthy` reading observed since
 * then. A stale healthy reading is not healthy any more, only not known to be otherwise: the
 * portfolio counts it as stale, and the environment page's `healthy` filter leaves it out (it
 * lists it under `unknown`). Failing health (isFailingHealth) counts however old.
 */
export function healthFreshSince(now: Date, staleAfterMs = HEALTH_STALE_AFTER_MS): Date {
  return new Date(now.getTime() - staleAfterMs);
}

/**
 * Failing health (FAILING_HEALTH_STATUSES: unhealthy or degraded), however old the reading: what
 * the board's "failing" status, the portfolio's failing-health filter and badge count. A stale
 * reading is still the last thing known; pages show it as stale.
 */
export function isFailingHealth(status: HealthStatus): boolean {
  return (FAILING_HEALTH_STATUSES as readonly HealthStatus[]).includes(status);
}

/**
 * The one name people see for failing health (isFailingHealth): the portfolio's filter and badge,
 * the board's status filter. Sentence case; lower-cased mid-sentence and among lower-case choices.
 * URLs keep their own words (`failing=1`, `status=failing`).
 */
export const FAILING_HEALTH_LABEL = "Failing health";
/** What it means, for a tooltip beside the name. */
export const FAILING_HEALTH_DESCRIPTION = `An app's last recorded health is ${FAILING_HEALTH_STATUSES.join(" or ")} in some environment, however long ago it was checked`;

/** One health for an app from its instances: all healthy, none healthy, or in between. */
export function aggregateHealth(instances: readonly HealthStatus[]): HealthStatus {
  if (instances.length === 0) return "unhealthy";
  const healthy = instances.filter((s) => s === "healthy").length;
  if (healthy === instances.length) return "healthy";
  return healthy === 0 ? "unhealthy" : "degraded";
}
