import type { Connection } from "@/db/client";
import type { Clock } from "@/lib/domain/clock";
import type { TrafficSource } from "@/lib/metrics";
import type { PlatformRegistry } from "@/lib/platform/registry";
import type { PlatformAdapter } from "@/lib/platform/types";

export interface ControllerOptions {
  connection: Connection;
  /**
   * Created when this controller becomes leader: only the leader touches platforms. A registry
   * (one adapter per platform kind; each environment's from slipway.yaml), or one adapter that
   * serves every environment (tests, benchmarks).
   */
  createPlatform: () => Promise<PlatformRegistry | PlatformAdapter>;
  /**
   * Called when the controller lets go of its platforms (stepping down, stopping). Default: each
   * adapter's `dispose`. The runtime passes what stops the local platform's apps on request.
   */
  releasePlatforms?: (platforms: PlatformRegistry, options: { stopApps: boolean }) => Promise<void>;
  /** Where the `platform` metrics provider reads counters (default: each instance's /metrics at the address the platform reports). */
  traffic?: TrafficSource;
  clock?: Clock;
  log?: (line: string) => void;
  pollMs?: number;
  heartbeatMs?: number;
  healthEveryMs?: number;
  /** How long a leader's heartbeat holds leadership; a standby takes over after it (default 15 s). */
  leaseMs?: number;
  /** A rollout with no progress for this long is failed: never stuck, never unknown. */
  stuckAfterMs?: number;
  verifyTimeoutMs?: number;
  /** How long each rolling step watches the new release before moving more traffic. */
  rollingPauseMs?: number;
  /** Where people open Slipway, for links in notifications. */
  baseUrl?: string;
  autoPromoteEveryMs?: number;
  maxAttempts?: number;
  /** How often what the platform runs is compared with what Slipway recorded. */
  driftEveryMs?: number;
  /** How often traffic is sampled and burn rates are checked (default: slipway.yaml's metrics.sampleEvery). */
  trafficEveryMs?: number | null;
  /** Where to keep a Prometheus file_sd targets file of every running instance, refreshed with health sampling (none by default). */
  scrapeTargetsFile?: string | null;
}

/** The options the loop reads on every pass, with their defaults filled in. */
export type ResolvedOptions = Required<Omit<ControllerOptions, "connection" | "createPlatform" | "releasePlatforms" | "traffic" | "clock" | "log" | "leaseMs" | "scrapeTargetsFile">>;

/** Fills in the defaults: a 1 s loop, 5 s heartbeats, health every 10 s, drift every 30 s, rollouts stuck after 10 min. */
export function resolveOptions(config: ControllerOptions): ResolvedOptions {
  return {
    pollMs: config.pollMs ?? 1000,
    heartbeatMs: config.heartbeatMs ?? 5000,
    healthEveryMs: config.healthEveryMs ?? 10_000,
    stuckAfterMs: config.stuckAfterMs ?? 10 * 60_000,
    verifyTimeoutMs: config.verifyTimeoutMs ?? 60_000,
    rollingPauseMs: config.rollingPauseMs ?? 2000,
    baseUrl: config.baseUrl ?? "http://localhost:3000",
    autoPromoteEveryMs: config.autoPromoteEveryMs ?? 5000,
    maxAttempts: config.maxAttempts ?? 3,
    driftEveryMs: config.driftEveryMs ?? 30_000,
    trafficEveryMs: config.trafficEveryMs ?? null,
  };
}
