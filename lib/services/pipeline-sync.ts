import { and, eq, inArray, notInArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, environments, pipelines } from "@/db/schema";
import type { PipelineConfig } from "@/lib/config/schema";
import type { LoadedPipeline } from "@/lib/config/pipeline-set";
import { systemActor, type Actor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { recordAudit } from "./audit";
import { transitionEnvironment, transitionEnvironments } from "./environment-transitions";
import { RuleError } from "./errors";
import { ensureSystemUsers } from "./users";
import { GONE_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";

export interface SyncSummary {
  changed: boolean;
  pipelineId: string;
  addedApps: string[];
  retiredApps: string[];
  addedEnvironments: string[];
  retiredEnvironments: string[];
}

/**
 * Makes the database match a validated pipeline file, in one transaction: the pipeline is found by
 * `config.pipeline.name` (created when new), its apps and fixed environments are added, updated
 * (order, rules) or retired — never deleted, so history stays. An unchanged file (same hash)
 * writes nothing. `actor` is who loaded it (default: the system, at start-up); the load is audited
 * as `pipeline.load`. Throws RuleError `environment_name_taken` when a live review environment of
 * the same pipeline already holds a declared environment name.
 */
export async function syncPipeline(db: Db, clock: Clock, config: PipelineConfig, configHash: string, actor: Actor = systemActor("cli")): Promise<SyncSummary> {
  return db.transaction(async (tx) => syncPipelineIn(tx, clock, config, configHash, actor));
}

/** syncPipeline inside a transaction the caller holds (the API's PUT authorizes and checks first). */
export async function syncPipelineIn(tx: Db, clock: Clock, config: PipelineConfig, configHash: string, actor: Actor): Promise<SyncSummary> {
  {
    await ensureSystemUsers(tx);
    const now = clock.now();
    const [found] = await tx.select().from(pipelines).where(eq(pipelines.name, config.pipeline.name));
    let pipeline = found;
    if (pipeline && pipeline.configHash === configHash) {
      return { changed: false, pipelineId: pipeline.id, addedApps: [], retiredApps: [], addedEnvironments: [], retiredEnvironments: [] };
    }
    if (!pipeline) {
      pipeline = { id: newId("pip"), name: config.pipeline.name, configHash, config, loadedAt: now, teamId: null };
      await tx.insert(pipelines).values(pipeline);
    } else {
      await tx.update(pipelines).set({ configHash, config, loadedAt: now }).where(eq(pipelines.id, pipeline.id));
    }
    const pipelineId = pipeline.id;

    const existingApps = await tx.select().from(apps).where(eq(apps.pipelineId, pipelineId));
    const addedApps: string[] = [];
    for (const [position, app] of config.apps.entries()) {
      const { name, description, ...settings } = app;
      const existing = existingApps.find((a) => a.name === name);
      if (existing) {
        await tx
          .update(apps)
          .set({ position, description: description ?? null, settings, retiredAt: null })
          .where(eq(apps.id, existing.id));
      } else {
        await tx.insert(apps).values({ id: newId("app"), pipelineId, name, description: description ?? null, position, settings });
        addedApps.push(name);
      }
    }
    const declaredApps = config.apps.map((a) => a.name);
    const retiredApps = existingApps.filter((a) => !declaredApps.includes(a.name) && !a.retiredAt).map((a) => a.name);
    if (retiredApps.length) {
      await tx
        .update(apps)
        .set({ retiredAt: now })
        .where(and(eq(apps.pipelineId, pipelineId), inArray(apps.name, retiredApps)));
    }

    const declaredEnvs = config.environments.map((e) => e.name);
    const clashes = await tx
      .select({ name: environments.name })
      .from(environments)
      .where(and(eq(environments.pipelineId, pipelineId), eq(environments.kind, "review"), inArray(environments.name, declaredEnvs), notInArray(environments.state, [...GONE_ENVIRONMENT_STATES])));
    if (clashes.length) {
      throw new RuleError(`The pipeline "${config.pipeline.name}" declares ${clashes.map((c) => `"${c.name}"`).join(", ")}, but a review environment already has that name. Tear it down or rename the environment.`, "environment_name_taken");
    }
    const existingEnvs = await tx
      .select()
      .from(environments)
      .where(and(eq(environments.pipelineId, pipelineId), eq(environments.kind, "fixed")));
    const addedEnvironments: string[] = [];
    for (const [position, environment] of config.environments.entries()) {
      const live = existingEnvs.find((e) => e.name === environment.name && e.state === "active");
      const retired = existingEnvs.find((e) => e.name === environment.name && e.state === "retired");
      const values = { position, platform: environment.platform, settings: environment };
      if (live) {
        await tx.update(environments).set({ position, platform: environment.platform, settings: environment }).where(eq(environments.id, live.id));
      } else if (retired) {
        await transitionEnvironment(tx, retired.id, { from: "retired", to: "active", set: values });
      } else {
        await tx.insert(environments).values({ id: newId("env"), pipelineId, name: environment.name, kind: "fixed", createdAt: now, state: "active", ...values });
        addedEnvironments.push(environment.name);
      }
    }
    const retiredEnvironments = existingEnvs.filter((e) => e.state === "active" && !declaredEnvs.includes(e.name)).map((e) => e.name);
    if (retiredEnvironments.length) {
      await transitionEnvironments(tx, and(eq(environments.pipelineId, pipelineId), eq(environments.kind, "fixed"), inArray(environments.name, retiredEnvironments))!, { from: "active", to: "retired", set: { position: null } });
    }

    await recordAudit(tx, actor, clock, {
      action: "pipeline.load",
      targetType: "pipeline",
      // By name, as people know it (pipelines are matched by name, never renamed); older events hold the id.
      targetId: config.pipeline.name,
      data: { name: config.pipeline.name, configHash, addedApps, retiredApps, addedEnvironments, retiredEnvironments },
    });
    return { changed: true, pipelineId, addedApps, retiredApps, addedEnvironments, retiredEnvironments };
  }
}

/**
 * Loads several pipelines (checked together already, see lib/config/pipeline-set.ts), each by its
 * name in its own transaction. A pipeline in the database that is not among them is left as it is
 * (its history and environments stay; it may have been registered through the API): it is listed
 * in `untouched` for the start-up log.
 */
export async function syncPipelines(db: Db, clock: Clock, loaded: readonly LoadedPipeline[]): Promise<{ summaries: (SyncSummary & { name: string; source: string })[]; untouched: string[] }> {
  const summaries: (SyncSummary & { name: string; source: string })[] = [];
  for (const pipeline of loaded) {
    const summary = await syncPipeline(db, clock, pipeline.config, pipeline.hash);
    summaries.push({ ...summary, name: pipeline.config.pipeline.name, source: pipeline.source });
  }
  const names = new Set(loaded.map((p) => p.config.pipeline.name));
  const untouched = (await db.select({ name: pipelines.name }).from(pipelines))
    .map((p) => p.name)
    .filter((name) => !names.has(name))
    .sort();
  return { summaries, untouched };
}
