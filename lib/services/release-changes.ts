import { and, asc, eq, gt, lte } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, builds, environmentApps, releaseBuilds, type Build, type Deployment, type Environment } from "@/db/schema";
import type { Role } from "@/lib/auth/roles";
import type { ApprovalsConfig } from "@/lib/config/schema";
import { matchRisk, type AppChanges, type ReleaseChanges } from "@/lib/domain/gates";
import { approvalRule } from "./gate-queries";

/**
 * What a release changes in an environment compared with what it runs now, app by app: the
 * changed files and labels of every build of the branch between the running one and the release's
 * (both ways: moving to an older build undoes the builds after it, which changes their files too;
 * builds of other branches in between are not part of it, and across branches changes are unknown). Apps whose
 * build does not change are left out. Unknown stays unknown (null): the risk rules fail closed.
 */
export async function loadReleaseChanges(db: Db, releaseId: string, environmentId: string): Promise<ReleaseChanges> {
  const targets = await db
    .select({ app: apps.name, appId: apps.id, build: builds })
    .from(releaseBuilds)
    .innerJoin(builds, eq(builds.id, releaseBuilds.buildId))
    .innerJoin(apps, eq(apps.id, releaseBuilds.appId))
    .where(eq(releaseBuilds.releaseId, releaseId))
    .orderBy(asc(apps.position));
  const result: AppChanges[] = [];
  for (const { app, appId, build: target } of targets) {
    const [cell] = await db
      .select({ buildId: environmentApps.buildId })
      .from(environmentApps)
      .where(and(eq(environmentApps.environmentId, environmentId), eq(environmentApps.appId, appId)));
    const [running] = cell?.buildId ? await db.select().from(builds).where(eq(builds.id, cell.buildId)) : [];
    if (running?.id === target.id) continue;
    if (!running) {
      result.push({ app, fromVersion: null, toVersion: target.version, changedFiles: null, labels: null, unknownWhy: `first deployment of ${app} here: every file is new` });
      continue;
    }
    if (running.branch !== target.branch) {
      // CI reports changes against the previous build of the same branch: across branches they are not known.
      result.push({
        app,
        fromVersion: running.version,
        toVersion: target.version,
        changedFiles: null,
        labels: null,
        unknownWhy: `${running.version} runs here from branch ${running.branch}, ${target.version} is from ${target.branch}: changes across branches are not reported`,
      });
      continue;
    }
    const forward = target.createdAt >= running.createdAt;
    const [older, newer] = forward ? [running, target] : [target, running];
    const between: Build[] = await db
      .select()
      .from(builds)
      .where(and(eq(builds.appId, appId), eq(builds.branch, target.branch), gt(builds.createdAt, older.createdAt), lte(builds.createdAt, newer.createdAt)))
      .orderBy(asc(builds.createdAt));
    if (!between.some((b) => b.id === newer.id)) between.push(newer);
    const noFiles = between.filter((b) => b.changedFiles === null).map((b) => b.version);
    const noLabels = between.filter((b) => b.labels === null).map((b) => b.version);
    const why = [noFiles.length ? `changed files not reported for ${noFiles.join(", ")}` : null, noLabels.length ? `labels not reported for ${noLabels.join(", ")}` : null].filter(Boolean).join("; ");
    result.push({
      app,
      fromVersion: running.version,
      toVersion: target.version,
      changedFiles: noFiles.length ? null : [...new Set(between.flatMap((b) => b.changedFiles ?? []))].sort(),
      labels: noLabels.length ? null : [...new Set(between.flatMap((b) => b.labels ?? []))].sort(),
      ...(why ? { unknownWhy: why } : {}),
    });
  }
  return { apps: result };
}

/**
 * The approval rules that apply to `deployment` after their `when` conditions (all of them when
 * none has one), or null when the environment asks for no approval for this kind of deployment.
 * A rule with a condition the release does not meet is left out, so nobody is asked for it.
 */
export async function applyingApprovalRule(db: Db, deployment: Deployment, environment: Environment): Promise<{ rule: ApprovalsConfig; notNeeded: { role: Role; why: string }[] } | null> {
  const rule = approvalRule(deployment, environment.settings);
  if (!rule) return null;
  if (!rule.rules.some((r) => r.when)) return { rule, notNeeded: [] };
  const changes = await loadReleaseChanges(db, deployment.releaseId, environment.id);
  const notNeeded: { role: Role; why: string }[] = [];
  const rules = rule.rules.filter((r) => {
    if (!r.when) return true;
    const match = matchRisk(r.when, changes);
    if (!match.risky) notNeeded.push({ role: r.role, why: match.reason });
    return match.risky;
  });
  return { rule: { ...rule, rules }, notNeeded };
}
