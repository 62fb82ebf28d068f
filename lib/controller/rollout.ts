import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deploymentSteps, deployments, environmentApps, environments, type Deployment, type DeploymentStep } from "@/db/schema";
import type { DeploymentState } from "@/db/schema/enums";
import type { EnvironmentConfig } from "@/lib/config/schema";
import { automationActor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";
import { assertTransition } from "@/lib/domain/deployment-state";
import { planRollout, type StepAction } from "@/lib/domain/rollout-plan";
import { newId } from "@/lib/ids";
import type { PlatformAdapter } from "@/lib/platform/types";
import { recordAudit } from "@/lib/services/audit";
import { fencedTransaction } from "./fencing";
import { releaseSpecs, type AppPlan } from "./specs";
import { StepFailure, runStep } from "./steps";

export interface RolloutDeps {
  db: Db;
  platform: PlatformAdapter;
  clock: Clock;
  token: () => number;
  log: (line: string) => void;
  verifyTimeoutMs: number;
  maxAttempts: number;
  sleep(ms: number): Promise<void>;
}

const MAX_LOG = 8_000;
const clip = (text: string) => (text.length > MAX_LOG ? `…${text.slice(-MAX_LOG)}` : text);

interface StepDetail {
  action: StepAction;
  group: number;
}

/**
 * Drives one deployment through its steps on the platform. Every write is fenced (only the leader
 * writes) and every step is idempotent, so a controller that dies anywhere in here can be replaced
 * by another that picks the deployment up where the rows say it was.
 */
export class Rollout {
  constructor(private readonly deps: RolloutDeps) {}

  private fenced<T>(run: (tx: Db) => Promise<T>): Promise<T> {
    return fencedTransaction(this.deps.db, this.deps.token(), run);
  }

  private async transition(tx: Db, deployment: Deployment, to: DeploymentState, extra: Partial<Deployment> = {}): Promise<void> {
    assertTransition(deployment.state, to);
    await tx
      .update(deployments)
      .set({ state: to, updatedAt: this.deps.clock.now(), fencingToken: this.deps.token(), ...extra })
      .where(and(eq(deployments.id, deployment.id), eq(deployments.state, deployment.state)));
    deployment.state = to;
  }

  /** queued → running: plans the steps. The partial unique index refuses a second rollout in the environment. */
  async begin(deployment: Deployment): Promise<void> {
    const environment = await this.deps.db.query.environments.findFirst({ where: eq(environments.id, deployment.environmentId) });
    const plans = await releaseSpecs(this.deps.db, environment!, deployment.releaseId, deployment.id);
    const config = environment!.settings as Partial<EnvironmentConfig>;
    const keepWarm = (deployment.strategy ?? config.strategy) === "blue-green";
    const steps = planRollout(plans.map((p) => p.app), deployment.kind, { keepPreviousWarm: keepWarm });
    const now = this.deps.clock.now();
    await this.fenced(async (tx) => {
      await this.transition(tx, deployment, "running", { startedAt: now });
      await tx.insert(deploymentSteps).values(
        steps.map((step, position) => ({
          id: newId("stp"),
          deploymentId: deployment.id,
          position,
          name: step.name,
          appId: plans.find((p) => p.app === step.app)?.appId ?? null,
          state: "pending" as const,
          detail: { action: step.action, group: step.group } satisfies StepDetail,
        })),
      );
      await recordAudit(tx, automationActor(), this.deps.clock, {
        action: "deployment.start",
        targetType: "deployment",
        targetId: deployment.id,
        data: { environment: environment!.name, releaseId: deployment.releaseId, kind: deployment.kind, steps: steps.map((s) => s.name) },
      });
    });
    this.deps.log(`${environment!.name}: started ${deployment.kind} ${deployment.id}`);
  }

  /** Runs the remaining steps, group by group, then records success or failure. */
  async drive(deploymentId: string): Promise<void> {
    const deployment = await this.deps.db.query.deployments.findFirst({ where: eq(deployments.id, deploymentId) });
    if (!deployment || (deployment.state !== "running" && deployment.state !== "verifying")) return;
    const environment = (await this.deps.db.query.environments.findFirst({ where: eq(environments.id, deployment.environmentId) }))!;
    const plans = await releaseSpecs(this.deps.db, environment, deployment.releaseId, deployment.id);
    const steps = await this.deps.db.select().from(deploymentSteps).where(eq(deploymentSteps.deploymentId, deploymentId)).orderBy(asc(deploymentSteps.position));
    const groups = [...new Set(steps.map((s) => (s.detail as StepDetail).group))].sort((a, b) => a - b);
    const env = { platform: this.deps.platform, plans, verifyTimeoutMs: this.deps.verifyTimeoutMs, sleep: this.deps.sleep };

    for (const group of groups) {
      const pending = steps.filter((s) => (s.detail as StepDetail).group === group && s.state !== "succeeded" && s.state !== "skipped");
      if (!pending.length) continue;
      if (pending.some((s) => (s.detail as StepDetail).action === "verify") && deployment.state === "running") {
        await this.fenced((tx) => this.transition(tx, deployment, "verifying"));
      }
      const verifySlot = deployment.kind === "rollback" ? "active" : "standby";
      const outcomes = await Promise.all(pending.map((step) => this.runWithRetries(step, () => runStep(env, (step.detail as StepDetail).action, step.appId ? (plans.find((p) => p.appId === step.appId)?.app ?? step.appId) : null, verifySlot))));
      const failed = outcomes.find((o) => o !== null);
      if (failed) return this.fail(deployment, environment.name, plans, failed);
    }
    await this.succeed(deployment, environment.name, plans);
  }

  /** Runs one step, retrying transient failures with backoff; returns the failure reason or null. */
  private async runWithRetries(step: DeploymentStep, run: () => Promise<string>): Promise<string | null> {
    let attempts = step.attempts;
    for (;;) {
      attempts += 1;
      const started = this.deps.clock.now();
      await this.fenced(async (tx) => {
        await tx.update(deploymentSteps).set({ state: "running", attempts, startedAt: step.startedAt ?? started, finishedAt: null }).where(eq(deploymentSteps.id, step.id));
        await tx.update(deployments).set({ updatedAt: started }).where(eq(deployments.id, step.deploymentId));
      });
      try {
        const log = await run();
        await this.finishStep(step, "succeeded", log);
        return null;
      } catch (error) {
        const failure = error instanceof StepFailure ? error : new StepFailure((error as Error).message, false);
        if (failure.permanent || attempts >= this.deps.maxAttempts) {
          await this.finishStep(step, "failed", `${failure.message}${attempts > 1 ? ` (attempt ${attempts} of ${this.deps.maxAttempts})` : ""}`);
          return `${step.name}: ${failure.message}`;
        }
        await this.finishStep(step, "running", `Attempt ${attempts} failed, retrying: ${failure.message}`);
        await this.deps.sleep(1000 * 2 ** (attempts - 1));
      }
    }
  }

  private async finishStep(step: DeploymentStep, state: "succeeded" | "failed" | "running", log: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.fenced(async (tx) => {
      await tx
        .update(deploymentSteps)
        .set({ state, log: sql`right(${deploymentSteps.log} || ${(step.log ? "\n" : "") + clip(log)}, ${MAX_LOG})`, finishedAt: state === "running" ? null : now })
        .where(eq(deploymentSteps.id, step.id));
      await tx.update(deployments).set({ updatedAt: now }).where(eq(deployments.id, step.deploymentId));
    });
    step.log = step.log ? `${step.log}\n${log}` : log;
  }

  private async succeed(deployment: Deployment, environmentName: string, plans: AppPlan[]): Promise<void> {
    const now = this.deps.clock.now();
    const urls = await Promise.all(plans.map(async (p) => (await this.deps.platform.status(environmentName, p.app))?.url ?? null));
    await this.fenced(async (tx) => {
      const before = await tx.select().from(environmentApps).where(eq(environmentApps.environmentId, deployment.environmentId));
      for (const [i, plan] of plans.entries()) {
        const old = before.find((c) => c.appId === plan.appId);
        const values = {
          releaseId: deployment.releaseId,
          buildId: plan.spec.build.buildId,
          deploymentId: deployment.id,
          deployedAt: now,
          deployedBy: deployment.requestedBy,
          previousReleaseId: old?.releaseId ?? null,
          previousBuildId: old?.buildId ?? null,
          url: urls[i] ?? old?.url ?? null,
          healthStatus: "healthy" as const,
          healthObservedAt: now,
        };
        await tx
          .insert(environmentApps)
          .values({ environmentId: deployment.environmentId, appId: plan.appId, ...values })
          .onConflictDoUpdate({ target: [environmentApps.environmentId, environmentApps.appId], set: values });
      }
      if (deployment.kind === "rollback" && deployment.previousReleaseId) {
        // The deployment that brought in the release we just left is now marked as rolled back.
        const [undone] = await tx
          .select({ id: deployments.id })
          .from(deployments)
          .where(and(eq(deployments.environmentId, deployment.environmentId), eq(deployments.releaseId, deployment.previousReleaseId), eq(deployments.state, "succeeded")))
          .orderBy(desc(deployments.createdAt))
          .limit(1);
        if (undone) await tx.update(deployments).set({ state: "rolled-back", updatedAt: now }).where(eq(deployments.id, undone.id));
      }
      await this.transition(tx, deployment, "succeeded", { finishedAt: now });
      await recordAudit(tx, automationActor(), this.deps.clock, {
        action: "deployment.succeed",
        targetType: "deployment",
        targetId: deployment.id,
        data: { environment: environmentName, releaseId: deployment.releaseId, kind: deployment.kind },
      });
    });
    this.deps.log(`${environmentName}: ${deployment.kind} ${deployment.id} succeeded`);
  }

  /**
   * Records the failure after putting the environment back as it was: a new release that never got
   * traffic is stopped; apps already switched go back to their previous (warm) release.
   */
  private async fail(deployment: Deployment, environmentName: string, plans: AppPlan[], reason: string): Promise<void> {
    const cleanup: string[] = [];
    if (deployment.kind !== "rollback") {
      const previous = await this.deps.db.select().from(environmentApps).where(eq(environmentApps.environmentId, deployment.environmentId));
      for (const plan of plans) {
        try {
          const status = await this.deps.platform.status(environmentName, plan.app);
          if (status?.active?.buildId === plan.spec.build.buildId) {
            const old = previous.find((c) => c.appId === plan.appId);
            if (old?.buildId && status.standby?.buildId === old.buildId) {
              await this.deps.platform.switchTraffic(environmentName, plan.app);
              cleanup.push(`${plan.app}: switched back to the previous release`);
            }
          }
          if ((await this.deps.platform.status(environmentName, plan.app))?.standby?.buildId === plan.spec.build.buildId) {
            await this.deps.platform.stopStandby(environmentName, plan.app);
            cleanup.push(`${plan.app}: stopped the new release`);
          }
        } catch (error) {
          cleanup.push(`${plan.app}: cleanup failed: ${(error as Error).message}`);
        }
      }
    }
    const now = this.deps.clock.now();
    await this.fenced(async (tx) => {
      if (cleanup.length) {
        const [last] = await tx.select({ position: deploymentSteps.position }).from(deploymentSteps).where(eq(deploymentSteps.deploymentId, deployment.id)).orderBy(desc(deploymentSteps.position)).limit(1);
        await tx.insert(deploymentSteps).values({
          id: newId("stp"),
          deploymentId: deployment.id,
          position: (last?.position ?? -1) + 1,
          name: "Restore the previous release",
          state: "succeeded",
          attempts: 1,
          startedAt: now,
          finishedAt: now,
          log: cleanup.join("\n"),
          detail: { action: "cleanup", group: 99 },
        });
      }
      await this.transition(tx, deployment, "failed", { finishedAt: now, failureReason: reason });
      await recordAudit(tx, automationActor(), this.deps.clock, {
        action: "deployment.fail",
        targetType: "deployment",
        targetId: deployment.id,
        reason,
        data: { environment: environmentName, releaseId: deployment.releaseId, cleanup },
      });
    });
    this.deps.log(`${environmentName}: ${deployment.kind} ${deployment.id} failed: ${reason}`);
  }

  /** Fails a deployment that made no progress for too long (e.g. its controller died repeatedly). */
  async abandon(deployment: Deployment, environmentName: string, reason: string): Promise<void> {
    const plans = await releaseSpecs(this.deps.db, (await this.deps.db.query.environments.findFirst({ where: eq(environments.id, deployment.environmentId) }))!, deployment.releaseId, deployment.id);
    await this.fail(deployment, environmentName, plans, reason);
  }
}
