import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { configVariables, deployments, environmentApps, environments, type Environment, type Pipeline } from "@/db/schema";
import { automationActor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";
import type { PlatformRegistry } from "@/lib/platform/registry";
import type { AppStatus, PlatformAdapter } from "@/lib/platform/types";
import { recordAudit } from "@/lib/services/audit";
import { transitionEnvironment } from "@/lib/services/environment-transitions";
import { ServiceError } from "@/lib/services/errors";
import { environmentAuditRef, listPipelines } from "@/lib/services/pipeline-scope";
import { teardownReviewEnvironment } from "@/lib/services/review-environments";
import { fencedTransaction } from "./fencing";
import { currentSpecs } from "./specs";
import { ACTIVE_DEPLOYMENT_STATES, LIVE_REVIEW_ENVIRONMENT_STATES, RESUMABLE_ENVIRONMENT_STATES, ROLLING_OUT_DEPLOYMENT_STATES } from "@/lib/domain/vocabulary";

export interface ReviewLifecycleDeps {
  db: Db;
  platforms: PlatformRegistry;
  clock: Clock;
  token: () => number;
  log: (line: string) => void;
  /** Runs slow work off the loop, once per key at a time; without it, work runs inline. */
  background?: (key: string, work: () => Promise<void>) => void;
  /** Every pipeline as loaded (default: listPipelines; the controller passes its PipelineCache). */
  pipelines?: () => Promise<Pipeline[]>;
}

/**
 * What each platform runs, asked once per pass however many environments are looked at (an
 * inventory lists every app of a platform: asking it per environment made a pass cost
 * environments × apps). Per adapter, the inventory's entries by environment name.
 */
function inventoryPerPass(platforms: PlatformRegistry): (environment: string) => Promise<AppStatus[]> {
  const listed = new Map<PlatformAdapter, Promise<Map<string, AppStatus[]>>>();
  return async (environment) => {
    const adapter = platforms.forEnvironment(environment);
    let byEnvironment = listed.get(adapter);
    if (!byEnvironment) {
      byEnvironment = adapter.inventory().then((all) => {
        const grouped = new Map<string, AppStatus[]>();
        for (const status of all) {
          const list = grouped.get(status.environment);
          if (list) list.push(status);
          else grouped.set(status.environment, [status]);
        }
        return grouped;
      });
      // A failed inventory is asked again by the next environment, as asking per environment did.
      byEnvironment.catch(() => listed.delete(adapter));
      listed.set(adapter, byEnvironment);
    }
    return (await byEnvironment).get(environment) ?? [];
  };
}

async function setState(deps: ReviewLifecycleDeps, environment: Environment, state: Environment["state"], audit: { action: string; reason?: string; data?: Record<string, unknown> }, extra: Partial<Environment> = {}) {
  await fencedTransaction(deps.db, deps.token(), async (tx) => {
    await transitionEnvironment(tx, environment.id, { from: environment.state, to: state, set: extra });
    await recordAudit(tx, automationActor(), deps.clock, { action: audit.action, targetType: "environment", targetId: await environmentAuditRef(tx, environment), reason: audit.reason, data: audit.data });
  });
  deps.log(`${environment.name}: ${environment.state} → ${state}`);
}

/** Stops what a torn-down review environment ran, removes its data and config; its record stays. */
async function finishTeardown(deps: ReviewLifecycleDeps, environment: Environment): Promise<void> {
  await deps.platforms.forEnvironment(environment.name).destroy(environment.name);
  await fencedTransaction(deps.db, deps.token(), async (tx) => {
    await tx
      .update(configVariables)
      .set({ sourceVariableId: null })
      .where(sql`${configVariables.sourceVariableId} in (select id from config_variables where environment_id = ${environment.id})`);
    await tx.delete(configVariables).where(eq(configVariables.environmentId, environment.id));
    await tx.update(environmentApps).set({ url: null, healthStatus: "unknown", healthObservedAt: null, warmUntil: null }).where(eq(environmentApps.environmentId, environment.id));
    await transitionEnvironment(tx, environment.id, { from: environment.state, to: "torn-down", set: { tornDownAt: deps.clock.now() } });
    await recordAudit(tx, automationActor(), deps.clock, { action: "review.torn-down", targetType: "environment", targetId: await environmentAuditRef(tx, environment), data: { processes: "stopped", data: "removed", config: "removed" } });
  });
  deps.log(`${environment.name}: torn down`);
}

async function finishTeardowns(deps: ReviewLifecycleDeps): Promise<void> {
  const tearing = await deps.db
    .select()
    .from(environments)
    .where(and(eq(environments.kind, "review"), eq(environments.state, "tearing-down")));
  for (const environment of tearing) {
    const [busy] = await deps.db
      .select({ id: deployments.id })
      .from(deployments)
      .where(and(eq(deployments.environmentId, environment.id), inArray(deployments.state, [...ROLLING_OUT_DEPLOYMENT_STATES])));
    if (busy) continue; // let the rollout in progress end first
    // Stopping processes takes a moment: off the loop, so other environments' rollouts start meanwhile.
    if (deps.background) deps.background(`teardown:${environment.id}`, () => finishTeardown(deps, environment));
    else await finishTeardown(deps, environment);
  }
}

/** Expired review environments are torn down by Slipway itself. */
async function expire(deps: ReviewLifecycleDeps): Promise<void> {
  const expired = await deps.db
    .select()
    .from(environments)
    .where(and(eq(environments.kind, "review"), inArray(environments.state, [...LIVE_REVIEW_ENVIRONMENT_STATES]), lt(environments.expiresAt, deps.clock.now())));
  for (const environment of expired) {
    try {
      await teardownReviewEnvironment({ db: deps.db, actor: automationActor(), clock: deps.clock }, { name: environment.name, reason: `expired at ${environment.expiresAt!.toISOString()}` });
      deps.log(`${environment.name}: expired`);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
    }
  }
}

/**
 * Whether someone opened one of an asleep environment's addresses: the platform saw a request
 * newer than the last one recorded when it went to sleep (no platform-specific wake-up channel).
 */
async function openedSinceSleep(statusesOf: (environment: string) => Promise<AppStatus[]>, environment: { name: string; lastRequestAt: Date | null }): Promise<boolean> {
  const since = environment.lastRequestAt?.getTime() ?? 0;
  const statuses = await statusesOf(environment.name);
  return statuses.some((s) => s.lastRequestAt !== null && new Date(s.lastRequestAt).getTime() > since);
}

/** Someone opened an asleep environment's address: start it again (visible as "waking"). */
async function wake(deps: ReviewLifecycleDeps, statusesOf: (environment: string) => Promise<AppStatus[]>): Promise<void> {
  const sleeping = await deps.db
    .select()
    .from(environments)
    .where(and(eq(environments.kind, "review"), inArray(environments.state, [...RESUMABLE_ENVIRONMENT_STATES])));
  for (const environment of sleeping) {
    const platform = deps.platforms.forEnvironment(environment.name);
    if (environment.state === "sleeping" && !(await openedSinceSleep(statusesOf, environment))) continue;
    if (environment.state === "sleeping") await setState(deps, environment, "waking", { action: "review.wake", reason: "its address was opened" }, { lastRequestAt: deps.clock.now() });
    const plans = await currentSpecs(deps.db, environment, `wake:${environment.name}`);
    for (const plan of plans) await platform.ensureActive(plan.spec);
    await setState(deps, { ...environment, state: "waking" }, "ready", { action: "review.ready", reason: "awake again" });
  }
}

/**
 * Review environments nobody has used for `idleSleepAfter` go to sleep: their processes stop and
 * their addresses answer "waking up" until someone opens them. The last request the platform saw
 * is kept on the environment, so a restart does not make everything look idle. `idleAfterMs`: per
 * pipeline id, its idleSleepAfter in ms (pipelines not in it are left alone).
 */
async function sleepIdle(deps: ReviewLifecycleDeps, idleAfterMs: ReadonlyMap<string, number>, statusesOf: (environment: string) => Promise<AppStatus[]>): Promise<void> {
  if (idleAfterMs.size === 0) return;
  // Every pipeline's ready review environments in one statement, and which of them are busy in another.
  const ready = await deps.db
    .select()
    .from(environments)
    .where(and(inArray(environments.pipelineId, [...idleAfterMs.keys()]), eq(environments.kind, "review"), eq(environments.state, "ready")));
  if (ready.length === 0) return;
  const busy = new Set(
    (
      await deps.db
        .selectDistinct({ id: deployments.environmentId })
        .from(deployments)
        .where(
          and(
            inArray(
              deployments.environmentId,
              ready.map((e) => e.id),
            ),
            inArray(deployments.state, [...ACTIVE_DEPLOYMENT_STATES]),
          ),
        )
    ).map((r) => r.id),
  );
  const now = deps.clock.now();
  for (const environment of ready) {
    if (busy.has(environment.id)) continue;
    const statuses = await statusesOf(environment.name);
    const seen = statuses.map((s) => (s.lastRequestAt ? new Date(s.lastRequestAt).getTime() : 0));
    const lastRequest = Math.max(environment.lastRequestAt?.getTime() ?? 0, environment.createdAt.getTime(), ...seen);
    if (lastRequest > (environment.lastRequestAt?.getTime() ?? 0)) {
      await deps.db
        .update(environments)
        .set({ lastRequestAt: new Date(lastRequest) })
        .where(eq(environments.id, environment.id));
    }
    if (now.getTime() - lastRequest < idleAfterMs.get(environment.pipelineId)!) continue;
    await deps.platforms.forEnvironment(environment.name).sleep(environment.name);
    await setState(deps, environment, "sleeping", { action: "review.sleep", reason: `no requests for ${Math.round((now.getTime() - lastRequest) / 60_000)} min`, data: { lastRequestAt: new Date(lastRequest).toISOString() } });
  }
}

/**
 * One pass over the review environments' lifecycle: finishes teardowns, tears down expired ones,
 * wakes asleep ones someone opened, and puts idle ones to sleep (each pipeline after its own
 * reviewEnvironments.idleSleepAfter). Each platform's inventory is asked at most once per pass
 * (inventoryPerPass), so a pass costs a few statements plus what changed, not environments × apps.
 * Throws what the database or a platform throws (the controller's pass handles it).
 */
export async function manageReviewEnvironments(deps: ReviewLifecycleDeps): Promise<void> {
  const statusesOf = inventoryPerPass(deps.platforms);
  await finishTeardowns(deps);
  await expire(deps);
  await wake(deps, statusesOf);
  const idleAfter = new Map<string, number>();
  for (const pipeline of await (deps.pipelines ?? (() => listPipelines(deps.db)))()) {
    const settings = pipeline.config.reviewEnvironments;
    if (settings?.idleSleepAfter) idleAfter.set(pipeline.id, settings.idleSleepAfter);
  }
  await sleepIdle(deps, idleAfter, statusesOf);
}
