import { and, eq, inArray, notInArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, environments, pipelines } from "@/db/schema";
import type { PipelineConfig } from "@/lib/config/schema";
import { systemActor } from "@/lib/auth/actor";
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
 * Makes the database match a validated slipway.yaml, in one transaction: apps and fixed
 * environments are added, updated (order, rules) or retired — never deleted, so history stays.
 * An unchanged file (same hash) writes nothing.
 */
export async function syncPipeline(db: Db, clock: Clock, config: PipelineConfig, configHash: string): Promise<SyncSummary> {
  return db.transaction(async (tx) => {
    await ensureSystemUsers(tx);
    const now = clock.now();
    // One pipeline per installation for now: a renamed pipeline is the same pipeline.
    const [found] = await tx.select().from(pipelines).limit(1);
    let pipeline = found;
    if (pipeline && pipeline.configHash === configHash) {
      return { changed: false, pipelineId: pipeline.id, addedApps: [], retiredApps: [], addedEnvironments: [], retiredEnvironments: [] };
    }
    if (!pipeline) {
      pipeline = { id: newId("pip"), name: config.pipeline.name, configHash, config, loadedAt: now, teamId: null };
      await tx.insert(pipelines).values(pipeline);
    } else {
      await tx.update(pipelines).set({ name: config.pipeline.name, configHash, config, loadedAt: now }).where(eq(pipelines.id, pipeline.id));
    }
    const pipelineId = pipeline.id;

    const existingApps = await tx.select().from(apps).where(eq(apps.pipelineId, pipelineId));
    const addedApps: string[] = [];
    for (const [position, app] of config.apps.entries()) {
      const { name, description, ...settings } = app;
      const existing = existingApps.find((a) => a.name === name);
      if (existing) {
        await tx.update(apps).set({ position, description: description ?? null, settings, retiredAt: null }).where(eq(apps.id, existing.id));
      } else {
        await tx.insert(apps).values({ id: newId("app"), pipelineId, name, description: description ?? null, position, settings });
        addedApps.push(name);
      }
    }
    const declaredApps = config.apps.map((a) => a.name);
    const retiredApps = existingApps.filter((a) => !declaredApps.includes(a.name) && !a.retiredAt).map((a) => a.name);
    if (retiredApps.length) {
      await tx.update(apps).set({ retiredAt: now }).where(and(eq(apps.pipelineId, pipelineId), inArray(apps.name, retiredApps)));
    }

    const declaredEnvs = config.environments.map((e) => e.name);
    const clashes = await tx
      .select({ name: environments.name })
      .from(environments)
      .where(and(eq(environments.kind, "review"), inArray(environments.name, declaredEnvs), notInArray(environments.state, [...GONE_ENVIRONMENT_STATES])));
    if (clashes.length) {
      throw new RuleError(
        `slipway.yaml declares ${clashes.map((c) => `"${c.name}"`).join(", ")}, but a review environment already has that name. Tear it down or rename the environment.`,
        "environment_name_taken",
      );
    }
    const existingEnvs = await tx.select().from(environments).where(and(eq(environments.pipelineId, pipelineId), eq(environments.kind, "fixed")));
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

    await recordAudit(tx, systemActor("cli"), clock, {
      action: "pipeline.load",
      targetType: "pipeline",
      targetId: pipelineId,
      data: { name: config.pipeline.name, configHash, addedApps, retiredApps, addedEnvironments, retiredEnvironments },
    });
    return { changed: true, pipelineId, addedApps, retiredApps, addedEnvironments, retiredEnvironments };
  });
}
