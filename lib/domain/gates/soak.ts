import type { SoakGate } from "@/lib/config/schema";
import { formatCount, formatPercent, formatSpan, shortCommit } from "./format";
import { outcome, type GateOutcome } from "./types";

/** One bucket of the source environment's health, as the health sampler records it. */
export interface HealthSample {
  bucketStart: Date;
  requests: number;
  errors: number;
  p95Ms: number | null;
}

export interface SoakFacts {
  /** The environment the release soaks in (the previous one of the chain). */
  sourceEnvironment: string;
  /** The release's commit, for the message. */
  commit: string;
  /** Since when the release has run in the source environment; null when it does not run there. */
  since: Date | null;
  /** Health samples of the source environment since `since`. */
  samples: readonly HealthSample[];
}

/** "12 of 30 min" when both are under an hour, else "1 h 5 min of 2 h". */
function progress(elapsedMs: number, durationMs: number): string {
  const floorMinutes = (ms: number) => Math.floor(Math.max(0, ms) / 60_000) * 60_000;
  if (durationMs <= 3_600_000 && elapsedMs < 3_600_000) return `${Math.floor(Math.max(0, elapsedMs) / 60_000)} of ${formatSpan(durationMs)}`;
  return `${formatSpan(floorMinutes(elapsedMs))} of ${formatSpan(durationMs)}`;
}

/**
 * Health soak: the release must have run in the source environment for `duration`, with the error
 * rate (all errors over all requests since it started there) and the worst bucket's p95 latency
 * within limits. A breach fails the gate even while the soak is still running. It fails closed:
 * with no samples it is pending while the soak runs and fails once the duration has elapsed,
 * unless `allowUnobserved` is set — then it passes with `detail.unobserved: true` (shown amber).
 */
export function evaluateSoak(config: SoakGate, facts: SoakFacts, now: Date): GateOutcome {
  const where = facts.sourceEnvironment;
  if (!facts.since) {
    return outcome("soak", "fail", `release ${shortCommit(facts.commit)} does not run in ${where}, so it has not soaked there — promote it to ${where} first`, {
      detail: { sourceEnvironment: where, running: false },
    });
  }
  const since = facts.since;
  const elapsedMs = Math.max(0, now.getTime() - since.getTime());
  const completesAt = new Date(since.getTime() + config.duration);
  const remainingMs = Math.max(0, completesAt.getTime() - now.getTime());
  const done = remainingMs === 0;

  // Buckets from before the release started there belong to the release before it.
  const window = facts.samples.filter((s) => s.bucketStart >= since && s.bucketStart <= now);
  const requests = window.reduce((sum, s) => sum + Math.max(0, s.requests), 0);
  const errors = window.reduce((sum, s) => sum + Math.max(0, s.errors), 0);
  const errorRate = requests > 0 ? errors / requests : null;
  const p95s = window.filter((s) => s.requests > 0 && s.p95Ms !== null).map((s) => s.p95Ms as number);
  const worstP95Ms = p95s.length > 0 ? Math.max(...p95s) : null;
  const noTraffic = requests === 0;

  const detail = {
    sourceEnvironment: where,
    running: true,
    since,
    elapsedMs,
    durationMs: config.duration,
    remainingMs,
    completesAt,
    requests,
    errors,
    errorRate,
    worstP95Ms,
    maxErrorRate: config.maxErrorRate,
    maxP95Ms: config.maxP95Ms,
    noTraffic,
  };
  const recheckAt = done ? undefined : completesAt;

  const breaches: string[] = [];
  const soFar = done ? "" : " so far";
  if (errorRate !== null && errorRate > config.maxErrorRate) {
    breaches.push(`error rate ${formatPercent(errorRate)} in ${where} over the soak window${soFar} (limit ${formatPercent(config.maxErrorRate)})`);
  }
  if (worstP95Ms !== null && worstP95Ms > config.maxP95Ms) {
    breaches.push(`p95 latency reached ${formatCount(worstP95Ms)} ms in ${where} during the soak${soFar} (limit ${formatCount(config.maxP95Ms)} ms)`);
  }
  if (breaches.length > 0) {
    return outcome("soak", "fail", `${breaches.join("; ")} — release ${shortCommit(facts.commit)} is not healthy enough to promote`, { detail, recheckAt });
  }
  if (!done) {
    const traffic = noTraffic ? ", no traffic observed yet" : "";
    return outcome("soak", "pending", `soak ${progress(elapsedMs, config.duration)} in ${where}${traffic}: release ${shortCommit(facts.commit)} must run there ${formatSpan(remainingMs)} more`, { detail, recheckAt });
  }
  if (noTraffic) {
    // Fail closed: time alone proves nothing. Only an explicit opt-in lets an unobserved soak through,
    // and then it says so (detail.unobserved: the UI shows it amber, not green).
    if (config.allowUnobserved) {
      return outcome("soak", "pass", `soaked ${formatSpan(elapsedMs)} in ${where} without any traffic observed — health unverified (the pipeline file allows an unobserved soak here: allowUnobserved)`, {
        detail: { ...detail, unobserved: true },
      });
    }
    return outcome(
      "soak",
      "fail",
      `no traffic observed in ${where} during the ${formatSpan(config.duration)} soak, so release ${shortCommit(facts.commit)}'s health is unverified — send traffic to ${where} (the gate passes once healthy samples arrive) or allow an unobserved soak with gates.soak.allowUnobserved`,
      { detail },
    );
  }
  const rate = formatPercent(errorRate ?? 0);
  const p95 = worstP95Ms === null ? "" : `, worst p95 ${formatCount(worstP95Ms)} ms (limit ${formatCount(config.maxP95Ms)} ms)`;
  return outcome("soak", "pass", `soaked ${formatSpan(elapsedMs)} in ${where}: error rate ${rate} (limit ${formatPercent(config.maxErrorRate)})${p95} over ${formatCount(requests)} requests`, { detail });
}
