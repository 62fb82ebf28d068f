/**
 * The shape of `environment_apps.drift` (db/schema/pipeline.ts): what the platform really runs
 * where it differs from what Slipway recorded. Written by the drift check (lib/controller/drift.ts).
 */

/**
 * How what the platform runs can differ from what Slipway recorded:
 * - `not-running`: a release is recorded, nothing serves on the platform;
 * - `other-build`: the active slot runs another build (or another digest) than the one recorded;
 * - `instances-down`: the recorded build runs, but some of its instances do not;
 * - `unrecorded`: the platform runs an app of a known environment that Slipway never deployed there.
 */
export type DriftKind = "not-running" | "other-build" | "instances-down" | "unrecorded";

export interface RecordedBuild {
  buildId: string | null;
  releaseId: string | null;
  version: string | null;
  digest: string | null;
}

export interface ObservedSlot {
  buildId: string;
  releaseId: string;
  version: string;
  digest: string;
  reference: string;
  instances: { running: number; total: number };
}

/** What `environment_apps.drift` holds: the difference, as a person reads it, and both sides of it. */
export interface Drift {
  kind: DriftKind;
  message: string;
  observed: { active: ObservedSlot | null; standby: ObservedSlot | null };
  recorded: RecordedBuild;
}

/** The drift of a cell whose app runs nothing (driftOf); the drift pass skips cells that already carry exactly this. */
export const NOT_RUNNING = { kind: "not-running", message: "not running" } as const;
