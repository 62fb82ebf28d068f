import type { MigrationDecision } from "./migrations";

/**
 * The shapes of a deployment's JSON columns (db/schema/deployments.ts): `detail`, the facts about
 * how it came to be or ended, and `overrides`, the gate overrides granted on it. Every key is
 * optional: each is written by the step that knows it (request, rollout, abort, automatic rollback).
 */

/** What `deployments.detail.abort` holds once someone asked to stop a rollout in progress. */
export interface AbortRequest {
  by: string;
  byId: string;
  reason: string | null;
  /** ISO time it was asked for. */
  at: string;
}

/** What an automatic rollback keeps in its detail: why Slipway acted. */
export interface AutomaticRollbackDetail {
  trigger: "burn-rate";
  /** The deployment whose release burned the budget. */
  deploymentId: string;
  rule: "fast" | "slow";
  availability: number;
  threshold: number;
  windows: { name: string; long: { ms: number; ratio: number | null; burn: number | null }; short: { ms: number; ratio: number | null; burn: number | null }; threshold: number; firing: boolean }[];
  requests: number;
  errors: number;
  /** Where the traffic figures came from (slipway.yaml's metrics.provider); absent on rollbacks recorded before it was kept. */
  metricsProvider?: string;
  breachedAt: string;
  confirmation?: { decision: "confirmed" | "undone"; by: string; byName: string; at: string; comment: string | null; redeploymentId?: string };
}

/**
 * Where and from when a deployment's soak is measured. Decided once, when the deployment is
 * requested, and kept in `deployments.detail.soak`: a fast-track waiting on its soak in uat keeps
 * soaking in uat even if the same release later reaches staging (it neither moves nor restarts).
 */
export interface PlannedSoak {
  /** The environment the soak is measured in; null when the release runs nowhere it could soak. */
  environmentId: string | null;
  environment: string;
  /** ISO time the release started there (the soak's start); null when it does not run there. */
  since: string | null;
  /** The soak's duration in milliseconds (slipway.yaml gates.soak.duration of the target). */
  durationMs: number;
  /** ISO time the soak completes (since + duration), or null. */
  completesAt: string | null;
}

/** A window or freeze override granted on a deployment (kept in deployments.overrides). */
export interface RecordedOverride {
  gate: "window" | "freeze";
  by: string;
  byId: string;
  reason: string;
  at: string;
}

/** What `deployments.detail` holds. */
export interface DeploymentDetailData {
  /** A fast-track: the environments it skipped. */
  skipped?: string[];
  /** A rollback that undoes this deployment (its id). */
  undoes?: string;
  /** Where and from when the soak is measured, pinned at request. */
  soak?: PlannedSoak;
  /** Someone asked to stop this rollout. */
  abort?: AbortRequest;
  /** Why Slipway rolled back by itself. */
  automatic?: AutomaticRollbackDetail;
  /** Per app: do its migrations run, and why (decided when the rollout starts). */
  migrations?: Record<string, MigrationDecision>;
  note?: string;
  /** How long the environment was closed for maintenance (recreate), in milliseconds. */
  closedMs?: number;
  /** ISO time the previous release stays warm until. */
  warmUntil?: string;
  warnings?: string[];
}
