import type { TrafficWindow } from "@/lib/domain/traffic";

export type { TrafficWindow };

/** One app in one environment, whose traffic is read. */
export interface TrafficTarget {
  environment: string;
  app: string;
  /** The release recorded as deployed there (its id), for queries that read only its traffic ($release). */
  release?: string | null | undefined;
}

/**
 * Where Slipway learns how much traffic an app served and how much of it failed, for SLO burn
 * rates. Called once per target every sampling interval.
 */
export interface MetricsProvider {
  readonly name: string;
  /**
   * What `target` served in the `windowMs` before `at`; null when unknown (nothing runs, the
   * source did not answer) — unknown is never read as "no errors".
   */
  read(target: TrafficTarget, at: Date, windowMs: number): Promise<TrafficWindow | null>;
  /** Forgets targets that no longer run (a torn-down environment). */
  retain?(targets: readonly TrafficTarget[]): void;
}

export class MetricsProviderError extends Error {}
