import { asc, desc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deploymentSteps, deployments, environmentApps, environments, releases, type Deployment, type DeploymentStep, type Environment } from "@/db/schema";
import type { DeploymentState } from "@/db/schema/enums";
import { automationActor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";
import type { PlannedStep } from "@/lib/domain/rollout-plan";
import { newId } from "@/lib/ids";
import type { PlatformRegistry } from "@/lib/platform/registry";
import { abortOf, abortReason } from "@/lib/services/abort";
import { recordAudit } from "@/lib/services/audit";
import { transitionDeployment } from "@/lib/services/deployment-transitions";
import { transitionEnvironment } from "@/lib/services/environment-transitions";
import { announce, deploymentData } from "@/lib/services/announce";
import { redactSecrets } from "@/lib/services/config-vars";
import { abortableSleep, RolloutAborted } from "./abort-signal";
import { queueVerificationJobs } from "./verification-jobs";
import { holdAfterRollback } from "./rollback-hold";
import { fencedTransaction } from "./fencing";
import { runRecordedJob } from "./job-records";
import { planDeployment, provisionSource, smokeChecksOf } from "./rollout-planning";
import { cleanupAfterFailure } from "./rollout-cleanup";
import { currentSpecs, deploymentSpecs, type AppPlan } from "./specs";
import { deploymentAppIds } from "@/lib/services/review-clone";
import { StepFailure, runStep, type StepEnvironment } from "./steps";

export interface RolloutDeps {
  db: Db;
  /** Asked for the adapter of each deployment's environment. */
  platforms: PlatformRegistry;
  clock: Clock;
  token: () => number;
  log: (line: string) => void;
  verifyTimeoutMs: number;
  rollingPauseMs: number;
  maxAttempts: number;
  sleep(ms: number): Promise<void>;
}

const MAX_LOG = 8_000;
const clip = (text: string) => (text.length > MAX_LOG ? `…${text.slice(-MAX_LOG)}` : text);

/** What a step row carries besides its name: the plan it came from. */
type StepDetail = Pick<PlannedStep, "action" | "group" | "optional" | "percent" | "index">;

/**
 * Drives one deployment through its steps on the platform. Every write is fenced (only the leader
 * writes) and every step is idempotent, so a controller that dies anywhere in here can be replaced
 * by another that picks the deployment up where the rows say it was.
 */
export class Rollout {
  /** slipway.yaml settings of the apps (the migration job's name), loaded when a deployment is driven. */
  private readonly appSettings = new Map<string, unknown>();
  /** Deployments being driven here, by id: aborting one stops its next step or wait at once. */
  private readonly driving = new Map<string, AbortController>();

  constructor(private readonly deps: RolloutDeps) {}

  private fenced<T>(run: (tx: Db) => Promise<T>): Promise<T> {
    return fencedTransaction(this.deps.db, this.deps.token(), run);
  }

  private async transition(tx: Db, deployment: Deployment, to: DeploymentState, extra: Partial<Deployment> = {}): Promise<void> {
    await transitionDeployment(tx, deployment.id, { from: deployment.state, to, set: { updatedAt: this.deps.clock.now(), fencingToken: this.deps.token(), ...extra } });
    deployment.state = to;
  }

  private async environmentOf(deployment: Deployment): Promise<Environment> {
    return (await this.deps.db.query.environments.findFirst({ where: eq(environments.id, deployment.environmentId) }))!;
  }

  /** queued → running: plans the steps. The partial unique index refuses a second rollout in the environment. */
  async begin(deployment: Deployment): Promise<void> {
    const environment = await this.environmentOf(deployment);
    const plans = await deploymentSpecs(this.deps.db, environment, deployment);
    const plan = await planDeployment(this.deps.db, deployment, environment, plans, this.deps.platforms.forEnvironment(environment.name).strategies);
    const now = this.deps.clock.now();
    await this.fenced(async (tx) => {
      await this.transition(tx, deployment, "running", {
        startedAt: now,
        strategy: plan.strategy,
        detail: { ...deployment.detail, migrations: plan.migrations, ...(plan.note ? { note: plan.note } : {}) },
      });
      await tx.insert(deploymentSteps).values(
        plan.steps.map((step, position) => ({
          id: newId("stp"),
          deploymentId: deployment.id,
          position,
          name: step.name,
          appId: plans.find((p) => p.app === step.app)?.appId ?? null,
          state: step.skipped ? ("skipped" as const) : ("pending" as const),
          log: step.skipped ? `Skipped: ${step.skipped}` : "",
          detail: { action: step.action, group: step.group, optional: step.optional, percent: step.percent, index: step.index } satisfies StepDetail,
        })),
      );
      await recordAudit(tx, automationActor(), this.deps.clock, {
        action: "deployment.start",
        targetType: "deployment",
        targetId: deployment.id,
        data: { environment: environment.name, releaseId: deployment.releaseId, kind: deployment.kind, strategy: plan.strategy, steps: plan.steps.map((s) => s.name) },
      });
      await announce(tx, this.deps.clock, { event: "deployment.started", data: await deploymentData(tx, deployment.id) });
    });
    this.deps.log(`${environment.name}: started ${deployment.kind} ${deployment.id} (${plan.strategy})`);
  }

  private stepEnvironment(environment: Environment, plans: AppPlan[], previous: AppPlan[], deployment: Deployment, steps: DeploymentStep[], provisionFrom: string | null = null, signal?: AbortSignal): StepEnvironment {
    const config = environment.settings;
    return {
      platform: this.deps.platforms.forEnvironment(environment.name),
      environment: environment.name,
      plans,
      previous,
      smoke: smokeChecksOf(config, deployment, plans),
      hooks: (config.hooks ?? []).filter((h) => h.when === "after-deploy"),
      migrationJob: (app) => {
        const settings = (this.appSettings.get(app) ?? {}) as { migrations?: { job?: string } };
        return settings.migrations?.job ?? "migrate";
      },
      migrationReason: (app) => this.migrationReason(deployment, app),
      runJob: (plan, job, trigger) =>
        runRecordedJob(
          { ...this.deps, platform: this.deps.platforms.forEnvironment(environment.name) },
          {
            environmentId: environment.id,
            plan,
            job,
            trigger,
            deploymentId: deployment.id,
            requestedBy: deployment.requestedBy,
            secretValues: [...plans, ...previous].flatMap((p) => p.secretValues),
          },
        ),
      verifyTimeoutMs: this.deps.verifyTimeoutMs,
      rollingPauseMs: this.deps.rollingPauseMs,
      provisionFrom,
      // A partial review environment's deployment names its own apps: only their data is copied.
      provisionApps: deploymentAppIds(deployment) ? plans.map((p) => p.app) : null,
      closedSince: () => steps.find((s) => (s.detail as StepDetail).action === "close")?.startedAt ?? null,
      now: () => this.deps.clock.now(),
      sleep: signal ? (ms) => abortableSleep(this.deps.sleep, ms, signal) : this.deps.sleep,
    };
  }

  private migrationReason(deployment: Deployment, app: string): string {
    const decision = deployment.detail.migrations?.[app];
    return decision ? `migrations: ${decision.reason}` : "migrations";
  }

  /**
   * Stops the rollout of `deploymentId` if it is being driven here: its current wait (a health
   * check's poll, a rolling pause, a retry's backoff) ends now and no further step starts; drive()
   * then restores what served before. Returns false when it is not being driven here.
   */
  requestAbort(deploymentId: string): boolean {
    const controller = this.driving.get(deploymentId);
    if (!controller) return false;
    controller.abort();
    return true;
  }

  /** Runs the remaining steps, group by group, then records success or failure. */
  async drive(deploymentId: string): Promise<void> {
    const deployment = await this.deps.db.query.deployments.findFirst({ where: eq(deployments.id, deploymentId) });
    if (!deployment || (deployment.state !== "running" && deployment.state !== "verifying")) return;
    const environment = await this.environmentOf(deployment);
    const [plans, previous, appRows] = await Promise.all([
      deploymentSpecs(this.deps.db, environment, deployment),
      currentSpecs(this.deps.db, environment, deployment.id),
      this.deps.db.query.apps.findMany({ where: (a, { eq }) => eq(a.pipelineId, environment.pipelineId) }),
    ]);
    for (const row of appRows) this.appSettings.set(row.name, row.settings);
    const provisionFrom = await provisionSource(this.deps.db, environment, deployment);
    // Aborted before this controller got to it (or before a restart): restore, never continue.
    const asked = abortOf(deployment);
    if (asked) return this.fail(deployment, environment, plans, previous, abortReason(asked));
    const abort = new AbortController();
    this.driving.set(deploymentId, abort);
    try {
      await this.driveSteps(deployment, environment, plans, previous, provisionFrom, abort.signal);
    } catch (error) {
      if (!(error instanceof RolloutAborted)) throw error;
      const fresh = await this.deps.db.query.deployments.findFirst({ where: eq(deployments.id, deploymentId) });
      const why = fresh ? abortOf(fresh) : null;
      if (fresh) deployment.state = fresh.state;
      await this.fail(deployment, environment, plans, previous, why ? abortReason(why) : "Aborted.");
    } finally {
      this.driving.delete(deploymentId);
    }
  }

  private async driveSteps(deployment: Deployment, environment: Environment, plans: AppPlan[], previous: AppPlan[], provisionFrom: string | null, signal: AbortSignal): Promise<void> {
    const deploymentId = deployment.id;
    const steps = await this.deps.db.select().from(deploymentSteps).where(eq(deploymentSteps.deploymentId, deploymentId)).orderBy(asc(deploymentSteps.position));
    const env = this.stepEnvironment(environment, plans, previous, deployment, steps, provisionFrom, signal);
    const secrets = [...plans, ...previous].flatMap((p) => p.secretValues);
    const groups = [...new Set(steps.map((s) => (s.detail as StepDetail).group))].sort((a, b) => a - b);
    const warnings: string[] = [];

    for (const group of groups) {
      if (signal.aborted) throw new RolloutAborted();
      const pending = steps.filter((s) => (s.detail as StepDetail).group === group && s.state !== "succeeded" && s.state !== "skipped" && !(s.state === "failed" && (s.detail as StepDetail).optional));
      if (!pending.length) continue;
      if (pending.some((s) => (s.detail as StepDetail).action === "verify") && deployment.state === "running") {
        await this.fenced((tx) => this.transition(tx, deployment, "verifying"));
      }
      const verifySlot = deployment.kind === "rollback" ? "active" : "standby";
      // Settled, not raced: an abort lets every step of the group stop before anything is restored.
      const settled = await Promise.allSettled(
        pending.map((step) => {
          const detail = step.detail as StepDetail;
          const app = step.appId ? (plans.find((p) => p.appId === step.appId)?.app ?? null) : null;
          return this.runWithRetries(step, secrets, () => runStep(env, { ...detail, app }, verifySlot), signal);
        }),
      );
      if (signal.aborted) throw new RolloutAborted();
      const outcomes = settled.map((r) => {
        if (r.status === "rejected") throw r.reason;
        return r.value;
      });
      for (const [i, failure] of outcomes.entries()) {
        if (!failure) continue;
        if ((pending[i]!.detail as StepDetail).optional) warnings.push(failure);
        else return this.fail(deployment, environment, plans, previous, failure);
      }
    }
    await this.succeed(deployment, environment, plans, warnings);
  }

  /** Runs one step, retrying transient failures with backoff; returns the failure reason or null. */
  private async runWithRetries(step: DeploymentStep, secrets: string[], run: () => Promise<string>, signal: AbortSignal): Promise<string | null> {
    let attempts = step.attempts;
    for (;;) {
      attempts += 1;
      const started = this.deps.clock.now();
      step.startedAt ??= started;
      await this.fenced(async (tx) => {
        await tx.update(deploymentSteps).set({ state: "running", attempts, startedAt: step.startedAt, finishedAt: null }).where(eq(deploymentSteps.id, step.id));
        await tx.update(deployments).set({ updatedAt: started }).where(eq(deployments.id, step.deploymentId));
      });
      try {
        const log = await run();
        await this.finishStep(step, "succeeded", redactSecrets(log, secrets));
        return null;
      } catch (error) {
        if (error instanceof RolloutAborted || signal.aborted) {
          await this.finishStep(step, "cancelled", "Stopped: the rollout was aborted.");
          throw new RolloutAborted();
        }
        const failure = error instanceof StepFailure ? error : new StepFailure((error as Error).message, false);
        const message = redactSecrets(failure.message, secrets);
        if (failure.permanent || attempts >= this.deps.maxAttempts) {
          await this.finishStep(step, "failed", `${message}${attempts > 1 ? ` (attempt ${attempts} of ${this.deps.maxAttempts})` : ""}`);
          return `${step.name}: ${message}`;
        }
        await this.finishStep(step, "running", `Attempt ${attempts} failed, retrying: ${message}`);
        await abortableSleep(this.deps.sleep, 1000 * 2 ** (attempts - 1), signal).catch(async (error: unknown) => {
          await this.finishStep(step, "cancelled", "Stopped: the rollout was aborted.");
          throw error;
        });
      }
    }
  }

  private async finishStep(step: DeploymentStep, state: "succeeded" | "failed" | "running" | "cancelled", log: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.fenced(async (tx) => {
      await tx
        .update(deploymentSteps)
        .set({ state, log: sql`right(${deploymentSteps.log} || ${(step.log ? "\n" : "") + clip(log)}, ${MAX_LOG})`, finishedAt: state === "running" ? null : now })
        .where(eq(deploymentSteps.id, step.id));
      await tx.update(deployments).set({ updatedAt: now }).where(eq(deployments.id, step.deploymentId));
    });
    step.log = step.log ? `${step.log}\n${log}` : log;
    step.state = state;
    if (state !== "running") step.finishedAt = now;
  }

  private async succeed(deployment: Deployment, environment: Environment, plans: AppPlan[], warnings: string[]): Promise<void> {
    const now = this.deps.clock.now();
    const config = environment.settings;
    const warmUntil = deployment.strategy === "blue-green" && deployment.kind !== "rollback" ? new Date(now.getTime() + (config.warmFor ?? 30 * 60_000)) : null;
    const statuses = await Promise.all(plans.map((p) => this.deps.platforms.forEnvironment(environment.name).status(environment.name, p.app)));
    const steps = await this.deps.db.select().from(deploymentSteps).where(eq(deploymentSteps.deploymentId, deployment.id));
    const closeStep = steps.find((s) => (s.detail as StepDetail).action === "close");
    const reopenStep = steps.find((s) => (s.detail as StepDetail).action === "reopen");
    const closedMs = closeStep?.startedAt && reopenStep?.finishedAt ? reopenStep.finishedAt.getTime() - closeStep.startedAt.getTime() : null;
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
          warmUntil: warmUntil && statuses[i]?.standby ? warmUntil : null,
          url: statuses[i]?.url ?? old?.url ?? null,
          healthStatus: "healthy" as const,
          healthObservedAt: now,
        };
        await tx
          .insert(environmentApps)
          .values({ environmentId: deployment.environmentId, appId: plan.appId, ...values })
          .onConflictDoUpdate({ target: [environmentApps.environmentId, environmentApps.appId], set: values });
      }
      if (deployment.kind === "rollback") await holdAfterRollback(tx, this.deps.clock, deployment, environment, now);
      // A review environment is ready once its first release runs (or again after waking).
      if (environment.kind === "review" && (environment.state === "provisioning" || environment.state === "waking")) {
        await transitionEnvironment(tx, environment.id, { from: environment.state, to: "ready" });
      }
      // A verdict is on what ran when it was given: a new release in a review environment needs a new look.
      if (environment.kind === "review" && environment.verdict && deployment.releaseId !== deployment.previousReleaseId) {
        await tx.update(environments).set({ verdict: null }).where(eq(environments.id, environment.id));
      }
      await queueVerificationJobs(tx, deployment, environment, now);
      await this.transition(tx, deployment, "succeeded", {
        finishedAt: now,
        detail: { ...deployment.detail, ...(closedMs !== null ? { closedMs } : {}), ...(warnings.length ? { warnings } : {}), ...(warmUntil ? { warmUntil: warmUntil.toISOString() } : {}) },
      });
      await recordAudit(tx, automationActor(), this.deps.clock, {
        action: "deployment.succeed",
        targetType: "deployment",
        targetId: deployment.id,
        data: { environment: environment.name, releaseId: deployment.releaseId, kind: deployment.kind, strategy: deployment.strategy, closedMs, warnings },
      });
      const data = await deploymentData(tx, deployment.id);
      const [from] = deployment.previousReleaseId ? await tx.select({ id: releases.id, commit: releases.commit, branch: releases.branch }).from(releases).where(eq(releases.id, deployment.previousReleaseId)) : [];
      await announce(
        tx,
        this.deps.clock,
        deployment.kind === "rollback" ? { event: "deployment.rolled-back", data: { ...data, ...(from ? { from } : {}), automatic: deployment.requestedVia === "automation" } } : { event: "deployment.succeeded", data },
      );
    });
    this.deps.log(`${environment.name}: ${deployment.kind} ${deployment.id} succeeded${closedMs !== null ? ` (closed ${closedMs} ms)` : ""}`);
  }

  /** Records the failure after putting the environment back as it was (see rollout-cleanup.ts). */
  private async fail(deployment: Deployment, environment: Environment, plans: AppPlan[], previous: AppPlan[], reason: string): Promise<void> {
    const steps = await this.deps.db.select().from(deploymentSteps).where(eq(deploymentSteps.deploymentId, deployment.id));
    const cleanup = await cleanupAfterFailure(this.stepEnvironment(environment, plans, previous, deployment, steps), deployment.kind);
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
      if (environment.kind === "review" && environment.state === "provisioning") {
        await transitionEnvironment(tx, environment.id, { from: environment.state, to: "failed" });
      }
      await recordAudit(tx, automationActor(), this.deps.clock, {
        action: "deployment.fail",
        targetType: "deployment",
        targetId: deployment.id,
        reason,
        data: { environment: environment.name, releaseId: deployment.releaseId, cleanup },
      });
      await announce(tx, this.deps.clock, { event: "deployment.failed", data: { ...(await deploymentData(tx, deployment.id)), failureReason: reason } });
    });
    this.deps.log(`${environment.name}: ${deployment.kind} ${deployment.id} failed: ${reason}`);
  }

  /** Fails a deployment that made no progress for too long (e.g. its controller died repeatedly). */
  async abandon(deployment: Deployment, reason: string): Promise<void> {
    const environment = await this.environmentOf(deployment);
    const [plans, previous] = await Promise.all([deploymentSpecs(this.deps.db, environment, deployment), currentSpecs(this.deps.db, environment, deployment.id)]);
    await this.fail(deployment, environment, plans, previous, reason);
  }
}
