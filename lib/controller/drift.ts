import { and, desc, eq, inArray, isNull, notInArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, auditEvents, deployments, environments, pipelines } from "@/db/schema";
import { automationActor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";
import type { AppStatus, SlotStatus } from "@/lib/platform/types";
import type { PlatformRegistry } from "@/lib/platform/registry";
import { recordAudit } from "@/lib/services/audit";
import { parseRef, qualifiedName } from "@/lib/services/pipeline-scope";
import { eachLimited } from "./health-sampler";
import { countSettledAbsent, driftCellPages, recordDriftChanges, type DriftCell, type DriftChange } from "./drift-cells";
import { GONE_ENVIRONMENT_STATES, ROLLING_OUT_DEPLOYMENT_STATES, UNSETTLED_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";

import { NOT_RUNNING, type Drift, type ObservedSlot, type RecordedBuild } from "@/lib/domain/drift";
export type { Drift, DriftKind, ObservedSlot, RecordedBuild } from "@/lib/domain/drift";

/** Environments whose platform state is legitimately in flux or gone: nothing there is compared. */
const UNCHECKED_STATES = UNSETTLED_ENVIRONMENT_STATES;
const GONE_STATES = GONE_ENVIRONMENT_STATES;
const ROLLING_OUT = ROLLING_OUT_DEPLOYMENT_STATES;

function observedSlot(slot: SlotStatus | null): ObservedSlot | null {
  if (!slot) return null;
  const running = slot.instances.filter((i) => i.running).length;
  return { buildId: slot.buildId, releaseId: slot.releaseId, version: slot.version, digest: slot.digest, reference: slot.reference, instances: { running, total: slot.instances.length } };
}

function shortDigest(digest: string | null): string {
  return digest ? `${digest.slice(0, 19)}…` : "an unknown digest";
}

/**
 * The difference between a recorded cell and the platform's status of that app, or null when they
 * agree. Pure, so every kind is easy to test; the order of checks is the order of severity.
 */
export function driftOf(recorded: RecordedBuild, status: AppStatus | null): Drift | null {
  const observed = { active: observedSlot(status?.active ?? null), standby: observedSlot(status?.standby ?? null) };
  const active = observed.active;
  if (!active || active.instances.total === 0) return { kind: NOT_RUNNING.kind, message: NOT_RUNNING.message, observed, recorded };
  if (active.buildId !== recorded.buildId || active.digest !== recorded.digest) {
    // The version names the build for people; when versions agree, only the digest tells them apart.
    const sameVersion = active.version === recorded.version;
    const runs = sameVersion ? shortDigest(active.digest) : active.version;
    const instead = sameVersion ? shortDigest(recorded.digest) : (recorded.version ?? "the recorded build");
    return { kind: "other-build", message: `runs ${runs} instead of ${instead}`, observed, recorded };
  }
  const down = active.instances.total - active.instances.running;
  if (down > 0) return { kind: "instances-down", message: `${down} of ${active.instances.total} instances not running`, observed, recorded };
  return null;
}

/** The same finding about the same record: a change is audited, a repeat is not. */
function sameDrift(a: Drift | null, b: Drift | null): boolean {
  if (!a || !b) return a === b;
  return a.kind === b.kind && a.message === b.message && a.recorded?.buildId === b.recorded.buildId;
}

/**
 * The latest "unrecorded" finding of each environment/app the platform runs, keyed as its
 * inventory names them (`dev/portal`): an event names its environment qualified ("shop/dev"),
 * an older one bare; `targetId` is kept so a clearing names the environment as its finding did.
 */
async function auditedUnrecorded(db: Db): Promise<Map<string, { action: string; message: string; targetId: string }>> {
  const rows = await db
    .select({ action: auditEvents.action, environment: auditEvents.targetId, data: auditEvents.data })
    .from(auditEvents)
    .where(and(inArray(auditEvents.action, ["drift.detected", "drift.cleared"]), eq(auditEvents.targetType, "environment"), sql`${auditEvents.data}->>'kind' = 'unrecorded'`))
    .orderBy(desc(auditEvents.seq));
  const latest = new Map<string, { action: string; message: string; targetId: string }>();
  for (const row of rows) {
    const data = row.data as { app?: string; message?: string };
    const targetId = row.environment ?? "";
    const key = `${parseRef(targetId).name}/${data.app}`;
    if (!latest.has(key)) latest.set(key, { action: row.action, message: data.message ?? "", targetId });
  }
  return latest;
}

/** Whether a platform's entry for an app has any instance in either slot (running or not). */
export function runsSomething(status: AppStatus): boolean {
  return Boolean(status.active?.instances.length || status.standby?.instances.length);
}

/**
 * Compares what every live environment is recorded to run with what the platform really runs, and
 * records each difference on its cell (`drift`, `drift_observed_at`), clearing it once they agree
 * again. Environments with a rollout in progress, apps closed for maintenance and asleep apps are
 * left alone: there the platform legitimately differs. A platform that cannot be asked is not
 * drift either: that cell is skipped until it answers. Only changes are audited.
 *
 * Cost follows what runs and what changed, not the number of cells:
 * - one inventory per pass says what the platforms run; an app it does not list runs nowhere
 *   (status null) without a status call, listed apps are asked for their status;
 * - cells already carrying "not running" for their recorded build, where the inventory still shows
 *   nothing running, are not read at all (counted in one statement: they still drift);
 * - the rest are read in keyset pages of 500 (memory bounded by the page), and each page's changes
 *   are written in one transaction, one audit event per changed cell (recordDriftChanges).
 * If the inventory fails, every cell is read and asked as before.
 *
 * `reported` remembers which unknown environments and apps were already logged, so a controller
 * that passes the same set logs each once rather than every pass. Returns how many cells were
 * compared and how many of them (plus apps running unrecorded) drift.
 */
export async function detectDrift(db: Db, platforms: PlatformRegistry, clock: Clock, log: (line: string) => void, reported: Set<string> = new Set()): Promise<{ checked: number; drifting: number }> {
  const [live, pipelineApps, busyRows] = await Promise.all([
    db
      .select({ id: environments.id, name: environments.name, state: environments.state, pipelineId: environments.pipelineId, pipeline: pipelines.name })
      .from(environments)
      .innerJoin(pipelines, eq(pipelines.id, environments.pipelineId))
      .where(notInArray(environments.state, [...GONE_STATES])),
    db.select({ id: apps.id, name: apps.name, pipelineId: apps.pipelineId }).from(apps).where(isNull(apps.retiredAt)),
    db
      .select({ environmentId: deployments.environmentId })
      .from(deployments)
      .where(inArray(deployments.state, [...ROLLING_OUT])),
  ]);
  const busy = new Set(busyRows.map((r) => r.environmentId));
  // One inventory per pass. If it fails, every cell is asked.
  let inventory: (AppStatus & { platform: string })[] | null = null;
  let inventoryError: Error | null = null;
  try {
    inventory = await platforms.inventory();
  } catch (error) {
    inventoryError = error as Error;
  }
  const listed = new Set((inventory ?? []).map((s) => `${s.platform}\u0000${s.environment}/${s.app}`));
  const running = new Set((inventory ?? []).filter(runsSomething).map((s) => `${s.environment}/${s.app}`));
  /** Pairs whose cells are read even when they carry "not running" already: what may run, or is left alone this pass. */
  const lookAt = inventory ? inventory.filter((s) => runsSomething(s) || s.maintenance || s.asleep).map((s) => ({ environment: s.environment, app: s.app })) : null;
  /** Of the apps the platform runs, those Slipway has a build recorded for (for part 2). */
  const recorded = new Set<string>();

  // 1. Every recorded cell that may have changed against the platform's status of that app.
  let checked = 0;
  let drifting = 0;
  if (lookAt) {
    const unchanged = await countSettledAbsent(db, lookAt, [...busy]);
    checked += unchanged;
    drifting += unchanged;
  }
  for await (const page of driftCellPages(db, { skipSettledAbsent: lookAt })) {
    for (const c of page) if (c.recorded.buildId && running.has(`${c.environment}/${c.app}`)) recorded.add(`${c.environment}/${c.app}`);
    const statuses = new Map<DriftCell, AppStatus | null>();
    await eachLimited(
      page.filter((c) => !busy.has(c.environmentId)),
      8,
      async (cell) => {
        try {
          const platform = platforms.forEnvironment(cell.environment);
          // Not listed by a working inventory: it runs nowhere, no need to ask.
          statuses.set(cell, inventory && !listed.has(`${platform.name}\u0000${cell.environment}/${cell.app}`) ? null : await platform.status(cell.environment, cell.app));
        } catch (error) {
          log(`drift: could not ask the platform about ${cell.environment}/${cell.app}: ${(error as Error).message}`);
        }
      },
    );
    const changes: DriftChange[] = [];
    for (const [cell, status] of statuses) {
      // Closed for maintenance (a recreate) or put to sleep: what runs is in flux or stopped on purpose.
      if (status?.maintenance || status?.asleep) continue;
      // A cell without a build only carries a leftover drift: nothing is recorded there to compare.
      const next = cell.recorded.buildId ? driftOf(cell.recorded, status) : null;
      checked += 1;
      if (next) drifting += 1;
      if (!sameDrift(cell.current, next)) changes.push({ cell, next });
    }
    for (const { cell, next } of await recordDriftChanges(db, clock, changes)) {
      log(`${cell.environment}/${cell.app}: ${next ? `drift: ${next.message}` : `drift cleared (was: ${cell.current!.message})`}`);
    }
  }

  // 2. What the platform runs that Slipway has no record of.
  if (!inventory) {
    log(`drift: could not list what the platform runs: ${inventoryError?.message}`);
    return { checked, drifting };
  }
  const liveByName = new Map(live.map((e) => [e.name, e]));
  const findings = new Map<string, { environment: string; app: string; status: AppStatus }>();
  const unsettled = new Set<string>(); // environment/app pairs not judged this pass: their memory stays as it is
  for (const status of inventory) {
    const key = `${status.environment}/${status.app}`;
    const environment = liveByName.get(status.environment);
    if (environment && ((UNCHECKED_STATES as readonly string[]).includes(environment.state) || busy.has(environment.id) || status.maintenance || status.asleep)) {
      unsettled.add(key);
      continue;
    }
    if (!runsSomething(status) || recorded.has(key)) continue;
    if (!environment) {
      if (!reported.has(key)) log(`drift: the platform runs ${key}, but Slipway knows no live environment named "${status.environment}"`);
      reported.add(key);
      continue;
    }
    if (!pipelineApps.some((a) => a.pipelineId === environment.pipelineId && a.name === status.app)) {
      if (!reported.has(key)) log(`drift: the platform runs ${key}, but slipway.yaml declares no app "${status.app}"`);
      reported.add(key);
      continue;
    }
    findings.set(key, { environment: qualifiedName(environment.pipeline, status.environment), app: status.app, status });
  }

  const memory = await auditedUnrecorded(db);
  for (const [key, { environment, app, status }] of findings) {
    drifting += 1;
    const active = observedSlot(status.active) ?? observedSlot(status.standby)!;
    const drift: Drift = {
      kind: "unrecorded",
      message: `runs ${active.version}, which Slipway did not deploy`,
      observed: { active: observedSlot(status.active), standby: observedSlot(status.standby) },
      recorded: { buildId: null, releaseId: null, version: null, digest: null },
    };
    const last = memory.get(key);
    if (last?.action === "drift.detected" && last.message === drift.message) continue;
    await db.transaction((tx) =>
      recordAudit(tx, automationActor(), clock, { action: "drift.detected", targetType: "environment", targetId: environment, data: { app, kind: drift.kind, message: drift.message, observed: drift.observed, recorded: drift.recorded } }),
    );
    log(`${key}: drift: ${drift.message}`);
  }
  for (const [key, last] of memory) {
    if (last.action !== "drift.detected" || findings.has(key) || unsettled.has(key)) continue;
    const [environment = "", app = ""] = key.split("/");
    const live = liveByName.get(environment);
    // Still in flux: judged once it settles. Gone (torn down): its finding clears with it.
    if (live && ((UNCHECKED_STATES as readonly string[]).includes(live.state) || busy.has(live.id))) continue;
    const targetId = live ? qualifiedName(live.pipeline, environment) : last.targetId;
    await db.transaction((tx) => recordAudit(tx, automationActor(), clock, { action: "drift.cleared", targetType: "environment", targetId, data: { app, kind: "unrecorded", message: last.message } }));
    log(`${key}: drift cleared (was: ${last.message})`);
  }
  return { checked, drifting };
}
