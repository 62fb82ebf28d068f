import { and, asc, eq, gt, lte } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, builds, environmentApps, type Deployment, type Environment } from "@/db/schema";
import type { Strategy } from "@/db/schema/enums";
import { decideMigrations, type MigrationDecision } from "@/lib/domain/migrations";
import { planRollout, type PlannedStep } from "@/lib/domain/rollout-plan";
import { effectiveStrategy } from "@/lib/domain/strategy";
import { deploymentAppIds } from "@/lib/services/review-clone";
import type { EnvironmentConfig } from "@/lib/config/schema";
import type { AppPlan } from "./specs";

/** For every app with migrations configured: do they run, and why. */
export async function migrationDecisions(db: Db, deployment: Deployment, environment: Environment, plans: AppPlan[]): Promise<Record<string, MigrationDecision>> {
  const decisions: Record<string, MigrationDecision> = {};
  for (const plan of plans) {
    const [app] = await db.select().from(apps).where(eq(apps.id, plan.appId));
    const migrations = app?.settings.migrations;
    if (!migrations) continue;
    const [target] = await db.select().from(builds).where(eq(builds.id, plan.spec.build.buildId));
    const [cell] = await db
      .select()
      .from(environmentApps)
      .where(and(eq(environmentApps.environmentId, environment.id), eq(environmentApps.appId, plan.appId)));
    const [running] = cell?.buildId ? await db.select().from(builds).where(eq(builds.id, cell.buildId)) : [];
    // The builds this environment has not run yet, up to the new one: their migrations come along.
    const between =
      running && target && running.id !== target.id
        ? await db
            .select()
            .from(builds)
            .where(and(eq(builds.appId, plan.appId), gt(builds.createdAt, running.createdAt), lte(builds.createdAt, target.createdAt)))
            .orderBy(asc(builds.createdAt))
        : [];
    if (target && !between.some((b) => b.id === target.id) && running?.id !== target.id) between.push(target);
    decisions[plan.app] = decideMigrations({
      paths: migrations.paths,
      target: { id: target!.id, version: target!.version, changedFiles: target!.changedFiles },
      running: running ? { id: running.id, version: running.version, changedFiles: running.changedFiles } : null,
      between: between.map((b) => ({ id: b.id, version: b.version, changedFiles: b.changedFiles })),
      force: deployment.forceMigrations,
    });
  }
  return decisions;
}

/**
 * The environment whose data a deployment's provision step copies, by name: a review environment's
 * source while it is being created, and on every deployment of a partial review environment — the
 * apps it runs itself can grow, and each newly its own needs its data then (the copy skips apps it
 * has). Null: nothing to provision (anything else is provisioned already).
 */
export async function provisionSource(db: Db, environment: Environment, deployment: Pick<Deployment, "detail">): Promise<string | null> {
  if (environment.kind !== "review" || !environment.sourceEnvironmentId) return null;
  if (environment.state !== "provisioning" && !deploymentAppIds(deployment)) return null;
  const source = await db.query.environments.findFirst({ where: (e, { eq }) => eq(e.id, environment.sourceEnvironmentId!) });
  return source?.name ?? null;
}

/**
 * The smoke checks a deployment runs: all of the environment's, except that a deployment carrying
 * only some apps (a partial review environment) checks only those apps: the others are served by
 * the source, which checked them itself.
 */
export function smokeChecksOf(config: Partial<EnvironmentConfig>, deployment: Pick<Deployment, "detail">, plans: AppPlan[]): NonNullable<EnvironmentConfig["smoke"]> {
  const smoke = config.smoke ?? [];
  if (!deploymentAppIds(deployment)) return smoke;
  return smoke.filter((check) => plans.some((p) => p.app === check.app));
}

export async function planDeployment(
  db: Db,
  deployment: Deployment,
  environment: Environment,
  plans: AppPlan[],
  supported: readonly Strategy[],
): Promise<{ steps: PlannedStep[]; strategy: Strategy; migrations: Record<string, MigrationDecision>; note: string | null }> {
  const config = environment.settings;
  const { strategy, note } = effectiveStrategy(deployment.strategy, config, supported);
  const migrations = deployment.kind === "rollback" ? {} : await migrationDecisions(db, deployment, environment, plans);
  const steps = planRollout({
    apps: plans.map((p) => p.app),
    kind: deployment.kind,
    strategy,
    migrations,
    smoke: smokeChecksOf(config, deployment, plans),
    hooks: (config.hooks ?? []).filter((h) => h.when === "after-deploy"),
    provisionFrom: await provisionSource(db, environment, deployment),
    firstRelease: deployment.kind !== "rollback" && !deployment.previousReleaseId,
  });
  return { steps, strategy, migrations, note };
}
