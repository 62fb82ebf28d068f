import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deploymentSteps, deployments, environmentApps, environments, type App, type Environment } from "@/db/schema";
import { newId } from "@/lib/ids";
import { HISTORY, HOUR, hex } from "./demo-catalog";

interface HistoryInput {
  now: Date;
  pipelineId: string;
  apps: App[];
  envByName: Map<string, Environment>;
  userIds: Record<string, string>;
  releaseIds: Record<string, string>;
  buildIds: Record<string, Record<string, string>>;
  releaseTime: Record<string, Date>;
}

/**
 * The demo's deployment history, replayed in time order: whatever succeeded last in an environment
 * is what it runs now; plus one review environment of the checkout feature.
 */
export async function seedHistory(tx: Db, input: HistoryInput): Promise<void> {
  const { now, apps, envByName, userIds, releaseIds, buildIds, releaseTime } = input;
    // Replay the history; whatever succeeded last in an environment is what it runs now.
  const current = new Map<string, { release: string; deploymentId: string; at: Date; by: string; previous: string | null }>();
  // Replayed in time order, so "what ran before" and "rolled back" follow the clock.
  const timed = HISTORY.map((step) => ({ step, createdAt: new Date(releaseTime[step.anchor ?? step.release]!.getTime() + step.afterHours * HOUR) })).sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
  );
  for (const { step, createdAt } of timed) {
    const env = envByName.get(step.env);
    if (!env) continue;
    if (createdAt > now) continue;
    const finishedAt = new Date(createdAt.getTime() + (3 + (parseInt(hex(`${step.release}-${step.env}`, 2), 16) % 5)) * 60_000);
    const state = step.state ?? "succeeded";
    const id = newId("dep", createdAt);
    const before = current.get(step.env);
    await tx.insert(deployments).values({
      id,
      environmentId: env.id,
      releaseId: releaseIds[step.release]!,
      kind: step.kind ?? "promote",
      state,
      strategy: env.name === "prod" ? "blue-green" : "rolling",
      previousReleaseId: before ? releaseIds[before.release]! : null,
      requestedBy: userIds[step.by]!,
      requestedVia: "ui",
      reason: step.reason ?? null,
      failureReason: step.failure ?? null,
      createdAt,
      startedAt: new Date(createdAt.getTime() + 5_000),
      finishedAt,
      updatedAt: finishedAt,
    });
    await tx.insert(deploymentSteps).values(
      apps.map((app, position) => ({
        id: newId("stp", createdAt),
        deploymentId: id,
        position,
        name: `Deploy ${app.name}`,
        appId: app.id,
        state: state === "failed" && app.name === "api-gateway" ? ("failed" as const) : ("succeeded" as const),
        attempts: 1,
        startedAt: new Date(createdAt.getTime() + 5_000),
        finishedAt,
        log: state === "failed" && app.name === "api-gateway" ? (step.failure ?? "") : `${app.name} healthy on the new release`,
      })),
    );
    // A rollback marks what it replaced as rolled back, as the controller does.
    if (state === "succeeded" && step.kind === "rollback" && before) {
      await tx.update(deployments).set({ state: "rolled-back", updatedAt: finishedAt }).where(eq(deployments.id, before.deploymentId));
    }
    if (state === "succeeded") {
      current.set(step.env, { release: step.release, deploymentId: id, at: finishedAt, by: userIds[step.by]!, previous: before?.release ?? null });
    }
  }

  for (const [envName, state] of current) {
    const env = envByName.get(envName)!;
    await tx.insert(environmentApps).values(
      apps.map((app) => ({
        environmentId: env.id,
        appId: app.id,
        releaseId: releaseIds[state.release]!,
        buildId: buildIds[state.release]![app.id]!,
        deploymentId: state.deploymentId,
        deployedAt: state.at,
        deployedBy: state.by,
        previousReleaseId: state.previous ? releaseIds[state.previous]! : null,
        previousBuildId: state.previous ? buildIds[state.previous]![app.id]! : null,
        healthStatus: "healthy" as const,
        healthObservedAt: now,
      })),
    );
  }

  // One review environment, cloned from staging, for the checkout feature.
  const staging = envByName.get("staging");
  if (staging) {
    const createdAt = new Date(now.getTime() - 4 * HOUR);
    const reviewId = newId("env", createdAt);
    await tx.insert(environments).values({
      id: reviewId,
      pipelineId: input.pipelineId,
      name: "checkout-redesign",
      kind: "review",
      state: "ready",
      platform: staging.platform,
      settings: staging.settings,
      sourceEnvironmentId: staging.id,
      branch: "feature/checkout",
      ownerId: userIds.developer!,
      expiresAt: new Date(now.getTime() + 44 * HOUR),
      createdBy: userIds.developer!,
      createdAt,
    });
    // Its spin-up deployment, as the service records one: the branch's release, through the platform.
    const deployedAt = new Date(createdAt.getTime() + 3 * 60_000);
    const deploymentId = newId("dep", createdAt);
    await tx.insert(deployments).values({
      id: deploymentId,
      environmentId: reviewId,
      releaseId: releaseIds.rc!,
      kind: "promote",
      state: "succeeded",
      strategy: "rolling",
      requestedBy: userIds.developer!,
      requestedVia: "ui",
      reason: "review environment of feature/checkout",
      createdAt,
      startedAt: new Date(createdAt.getTime() + 2_000),
      finishedAt: deployedAt,
      updatedAt: deployedAt,
    });
    await tx.insert(deploymentSteps).values(
      apps.map((app, position) => ({
        id: newId("stp", createdAt),
        deploymentId,
        position,
        name: `Deploy ${app.name}`,
        appId: app.id,
        state: "succeeded" as const,
        attempts: 1,
        startedAt: new Date(createdAt.getTime() + 2_000),
        finishedAt: deployedAt,
        log: `${app.name} healthy on the new release`,
      })),
    );
    await tx.insert(environmentApps).values(
      apps.map((app) => ({
        environmentId: reviewId,
        appId: app.id,
        releaseId: releaseIds.rc!,
        buildId: buildIds.rc![app.id]!,
        deploymentId,
        deployedAt,
        deployedBy: userIds.developer!,
        healthStatus: "healthy" as const,
        healthObservedAt: now,
      })),
    );
  }

}
