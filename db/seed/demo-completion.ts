import { desc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deploymentSteps, deployments, environmentApps, environments, type Deployment, type Environment } from "@/db/schema";
import { STRATEGIES, type DeploymentState } from "@/db/schema/enums";
import { automationActor } from "@/lib/auth/actor";
import { holdAfterRollback } from "@/lib/controller/rollback-hold";
import { planDeployment } from "@/lib/controller/rollout-planning";
import { deploymentSpecs } from "@/lib/controller/specs";
import type { Clock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { recordAudit } from "@/lib/services/audit";
import { transitionDeployment } from "@/lib/services/deployment-transitions";
import { transitionEnvironment } from "@/lib/services/environment-transitions";
import { evaluateDeployment, storeGateResults } from "@/lib/services/gate-evaluation";

/*
 * Why the seed finishes deployments itself instead of running the controller: the demo's history
 * happened in the past, on no platform — the controller would start real processes, wait real
 * health checks and soaks, and notify webhooks "now" about events of last week. So the seed plays
 * the controller's part for the record only: the same state machine (transitionDeployment), the same
 * gate evaluation and stored outcomes as the gatekeeper, the same step plan as Rollout.begin
 * (planDeployment over the real release specs), and the same audit actions by the automation
 * actor (deployment.gates-passed, .start, .succeed, .fail, environment.hold), at the times the
 * injected clock says. It does not announce (no notifications about the past) and touches no
 * platform; the controller starts each environment's recorded release once Slipway runs.
 */

/** How a demo deployment ends: succeeds, or fails on one app's health check with this message. */
export type DemoOutcome = { failure?: { app: string; message: string } };

type SeedClock = Clock & { advance(ms: number): void };

async function transition(tx: Db, clock: Clock, deployment: Deployment, to: DeploymentState, extra: Partial<Deployment> = {}): Promise<void> {
  await transitionDeployment(tx, deployment.id, { from: deployment.state, to, set: { updatedAt: clock.now(), ...extra } });
  Object.assign(deployment, extra, { state: to });
}

async function load(tx: Db, deploymentId: string): Promise<{ deployment: Deployment; environment: Environment }> {
  const deployment = await tx.query.deployments.findFirst({ where: eq(deployments.id, deploymentId) });
  if (!deployment) throw new Error(`Demo seed: no deployment ${deploymentId}.`);
  const environment = (await tx.query.environments.findFirst({ where: eq(environments.id, deployment.environmentId) }))!;
  return { deployment, environment };
}

/**
 * The gatekeeper's evaluation of a waiting deployment, at the clock's time: when every gate passes it
 * queues (audited as deployment.gates-passed). Time-bound gates (a soak) are looked at again when
 * they say, as the gatekeeper would, moving the clock there. Throws when the demo's history does
 * not satisfy the gates — the seed then fails whole, never writing a history the rules forbid.
 */
export async function passGates(tx: Db, clock: SeedClock, deploymentId: string): Promise<void> {
  const { deployment, environment } = await load(tx, deploymentId);
  if (deployment.state !== "waiting") return;
  for (let attempt = 0; attempt < 5; attempt++) {
    const now = clock.now();
    const gates = await evaluateDeployment(tx, deployment, environment, now);
    await storeGateResults(tx, deployment.id, gates.outcomes, now);
    if (gates.canShip && !gates.stop) {
      await transition(tx, clock, deployment, "queued");
      await recordAudit(tx, automationActor(), clock, {
        action: "deployment.gates-passed",
        targetType: "deployment",
        targetId: deployment.id,
        data: { environment: environment.name, gates: gates.outcomes.map((o) => ({ gate: o.gate, status: o.status })) },
      });
      return;
    }
    if (gates.stop || !gates.recheckAt || gates.recheckAt <= now) break;
    clock.advance(gates.recheckAt.getTime() - now.getTime() + 1_000);
  }
  const gates = await evaluateDeployment(tx, deployment, environment, clock.now());
  throw new Error(`Demo seed: ${environment.name} would not take ${deployment.id} at ${clock.now().toISOString()}: ${gates.stop ?? gates.blockers.join("; ")}`);
}

/**
 * Runs a queued deployment to its end as the controller records it: queued → running (the planned
 * steps) → verifying → succeeded or failed, each step started and finished a little later on the
 * clock. A success updates what the environment runs; a rollback marks what it undid rolled back
 * and holds the environment, as Rollout.succeed does. Returns when the deployment finished.
 */
export async function completeDeployment(tx: Db, clock: SeedClock, deploymentId: string, outcome: DemoOutcome = {}): Promise<Deployment> {
  const { deployment, environment } = await load(tx, deploymentId);
  const automation = automationActor();
  clock.advance(5_000);
  const plans = await deploymentSpecs(tx, environment, deployment);
  const plan = await planDeployment(tx, deployment, environment, plans, STRATEGIES);
  await transition(tx, clock, deployment, "running", { startedAt: clock.now(), strategy: plan.strategy, detail: { ...deployment.detail, migrations: plan.migrations } });
  const steps = plan.steps.map((step, position) => ({
    id: newId("stp"),
    deploymentId,
    position,
    name: step.name,
    appId: plans.find((p) => p.app === step.app)?.appId ?? null,
    state: step.skipped ? ("skipped" as const) : ("pending" as const),
    log: step.skipped ? `Skipped: ${step.skipped}` : "",
    detail: { action: step.action, group: step.group, optional: step.optional, percent: step.percent, index: step.index },
    group: step.group,
    app: step.app,
    action: step.action,
  }));
  await tx.insert(deploymentSteps).values(steps.map(({ group: _g, app: _a, action: _x, ...row }) => row));
  await recordAudit(tx, automation, clock, {
    action: "deployment.start",
    targetType: "deployment",
    targetId: deploymentId,
    data: { environment: environment.name, releaseId: deployment.releaseId, kind: deployment.kind, strategy: plan.strategy, steps: plan.steps.map((s) => s.name) },
  });

  let failure: string | null = null;
  for (const group of [...new Set(steps.map((s) => s.group))].sort((a, b) => a - b)) {
    const pending = steps.filter((s) => s.group === group && s.state === "pending");
    if (!pending.length) continue;
    if (pending.some((s) => s.action === "verify") && deployment.state === "running") await transition(tx, clock, deployment, "verifying");
    const startedAt = clock.now();
    clock.advance(20_000 + 10_000 * pending.length);
    for (const step of pending) {
      const fails = outcome.failure && step.app === outcome.failure.app && step.action === "verify";
      await tx
        .update(deploymentSteps)
        .set({ state: fails ? "failed" : "succeeded", attempts: 1, startedAt, finishedAt: clock.now(), log: fails ? outcome.failure!.message : `${step.name}: done` })
        .where(eq(deploymentSteps.id, step.id));
      if (fails) failure = `${step.name}: ${outcome.failure!.message}`;
    }
    if (failure) break;
  }
  if (!failure && outcome.failure) throw new Error(`Demo seed: ${environment.name}'s plan has no health check of ${outcome.failure.app} to fail.`);
  const now = clock.now();

  if (failure) {
    const [last] = await tx.select({ position: deploymentSteps.position }).from(deploymentSteps).where(eq(deploymentSteps.deploymentId, deploymentId)).orderBy(desc(deploymentSteps.position)).limit(1);
    const cleanup = [`Kept the release that served before in ${environment.name}; the new one was stopped.`];
    await tx.insert(deploymentSteps).values({
      id: newId("stp"),
      deploymentId,
      position: (last?.position ?? -1) + 1,
      name: "Restore the previous release",
      state: "succeeded",
      attempts: 1,
      startedAt: now,
      finishedAt: now,
      log: cleanup.join("\n"),
      detail: { action: "cleanup", group: 99 },
    });
    await transition(tx, clock, deployment, "failed", { finishedAt: now, failureReason: failure });
    await recordAudit(tx, automation, clock, { action: "deployment.fail", targetType: "deployment", targetId: deploymentId, reason: failure, data: { environment: environment.name, releaseId: deployment.releaseId, cleanup } });
    return deployment;
  }

  const before = await tx.select().from(environmentApps).where(eq(environmentApps.environmentId, environment.id));
  for (const p of plans) {
    const old = before.find((c) => c.appId === p.appId);
    const values = {
      releaseId: deployment.releaseId,
      buildId: p.spec.build.buildId,
      deploymentId,
      deployedAt: now,
      deployedBy: deployment.requestedBy,
      previousReleaseId: old?.releaseId ?? null,
      previousBuildId: old?.buildId ?? null,
      healthStatus: "healthy" as const,
      healthObservedAt: now,
    };
    await tx
      .insert(environmentApps)
      .values({ environmentId: environment.id, appId: p.appId, ...values })
      .onConflictDoUpdate({ target: [environmentApps.environmentId, environmentApps.appId], set: values });
  }
  if (deployment.kind === "rollback") await holdAfterRollback(tx, clock, deployment, environment);
  if (environment.kind === "review" && environment.state === "provisioning") await transitionEnvironment(tx, environment.id, { from: "provisioning", to: "ready" });
  await transition(tx, clock, deployment, "succeeded", { finishedAt: now });
  await recordAudit(tx, automation, clock, {
    action: "deployment.succeed",
    targetType: "deployment",
    targetId: deploymentId,
    data: { environment: environment.name, releaseId: deployment.releaseId, kind: deployment.kind, strategy: deployment.strategy, closedMs: null, warnings: [] },
  });
  return deployment;
}
