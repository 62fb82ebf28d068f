/**
 * Error-budget burn rates and multi-window, multi-burn-rate alerting, as in the Google SRE
 * workbook, chapter 5 ("Alerting on SLOs"). Pure: samples and the time come in as arguments.
 *
 * The burn rate is how fast the error budget is spent relative to the rate that would spend it
 * exactly over the SLO window: 1 spends the whole budget by the end of the window, 14.4 spends 2%
 * of a 30-day budget in one hour. A rule fires only when a long window AND a short window both
 * burn faster than its threshold: the long window proves the burn is significant, the short one
 * proves it is still happening, so the alert resets minutes after a recovery instead of hours.
 */

/** One health-sample bucket of one app: the requests it served and how many of them failed. */
export interface TrafficSample {
  bucketStart: Date;
  requests: number;
  errors: number;
}

export interface BurnRateRule {
  /** Long window, in milliseconds. */
  long: number;
  /** Short window, in milliseconds. */
  short: number;
  /** Burn rate both windows must exceed. */
  threshold: number;
}

export interface BurnRateSlo {
  /** Availability objective in percent, e.g. 99.9. */
  availability: number;
  burnRate: { fast: BurnRateRule; slow: BurnRateRule };
}

export type BurnRateRuleName = "fast" | "slow";

export interface WindowReading {
  from: Date;
  to: Date;
  /** Failed share of requests in the window; null without traffic. */
  ratio: number | null;
  /** ratio ÷ error budget; null without traffic. */
  burn: number | null;
}

export interface RuleReading {
  name: BurnRateRuleName;
  long: WindowReading;
  short: WindowReading;
  threshold: number;
  firing: boolean;
}

export interface BurnRateEvaluation {
  firing: boolean;
  /** The rule that fires (the fast one when both do); null when none does. */
  rule: BurnRateRuleName | null;
  windows: RuleReading[];
}

/**
 * The share of failed requests among the buckets that start in [from, to), weighted by traffic
 * (a busy minute counts more than a quiet one). Null when nothing was served: no traffic is no
 * evidence either way, so it must never page anyone.
 */
export function errorRatio(samples: readonly TrafficSample[], from: Date, to: Date): number | null {
  let requests = 0;
  let errors = 0;
  for (const sample of samples) {
    const at = sample.bucketStart.getTime();
    if (at < from.getTime() || at >= to.getTime()) continue;
    requests += sample.requests;
    errors += sample.errors;
  }
  return requests > 0 ? errors / requests : null;
}

/** The error budget as a fraction of requests: 99.9% availability leaves 0.001. */
export function errorBudget(availabilityPercent: number): number {
  if (!(availabilityPercent > 0 && availabilityPercent < 100)) {
    throw new RangeError(`availability must be a percentage between 0 and 100 (exclusive); got ${availabilityPercent}`);
  }
  // (100 − a) / 100 rather than 1 − a/100: one rounding step fewer for the usual 99.9.
  return (100 - availabilityPercent) / 100;
}

/** How many times faster than "budget-neutral" the budget burns: errorRatio ÷ (1 − SLO). */
export function burnRate(ratio: number, availabilityPercent: number): number;
export function burnRate(ratio: number | null, availabilityPercent: number): number | null;
export function burnRate(ratio: number | null, availabilityPercent: number): number | null {
  return ratio === null ? null : ratio / errorBudget(availabilityPercent);
}

/** The share of the SLO window's error budget that burning at `burn` for `durationMs` spends. */
export function budgetConsumed(burn: number, durationMs: number, windowMs: number): number {
  return (burn * durationMs) / windowMs;
}

/** How long a whole budget lasts at a steady burn rate: window ÷ burn (Infinity when nothing burns). */
export function timeToExhaust(burn: number, windowMs: number): number {
  return burn > 0 ? windowMs / burn : Infinity;
}

function readWindow(samples: readonly TrafficSample[], now: Date, lengthMs: number, availability: number): WindowReading {
  const from = new Date(now.getTime() - lengthMs);
  const ratio = errorRatio(samples, from, now);
  return { from, to: now, ratio, burn: burnRate(ratio, availability) };
}

function exceeds(reading: WindowReading, threshold: number): boolean {
  return reading.burn !== null && reading.burn > threshold;
}

/** Reads both rules' windows at `now` and says whether (and which) one fires. */
export function evaluateBurnRate(input: { samples: readonly TrafficSample[]; now: Date; slo: BurnRateSlo }): BurnRateEvaluation {
  const { samples, now, slo } = input;
  const names: BurnRateRuleName[] = ["fast", "slow"];
  const windows = names.map((name): RuleReading => {
    const rule = slo.burnRate[name];
    const long = readWindow(samples, now, rule.long, slo.availability);
    const short = readWindow(samples, now, rule.short, slo.availability);
    return { name, long, short, threshold: rule.threshold, firing: exceeds(long, rule.threshold) && exceeds(short, rule.threshold) };
  });
  const firingRule = windows.find((w) => w.firing);
  return { firing: Boolean(firingRule), rule: firingRule?.name ?? null, windows };
}
