import { and, asc, eq, gte, inArray, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { listStoredFreezes } from "@/db/queries/freezes";
import { approvals, builds, checklistTicks, healthSamples, incidents, releaseBuilds, releases, roleMemberships, users, type Deployment, type Environment } from "@/db/schema";
import type { Role } from "@/lib/auth/roles";
import type { ApprovalsConfig, EnvironmentConfig } from "@/lib/config/schema";
import type { GateFacts, GateOverride } from "@/lib/domain/gates";
import { apps } from "@/db/schema";
import { needsChanges } from "@/lib/domain/gates";
import { grantsIn, pipelineRef } from "./grant-scope";
import { loadReleaseChanges } from "./release-changes";
import { loadVerifiedFacts } from "./verifications";
import { pinnedSoak, pinnedSoakEnvironment, runningSince, soakSource } from "./soak-plan";
import { coveringIncidents, incidentOpener } from "./incidents";

import type { RecordedOverride } from "@/lib/domain/deployment-detail";
export type { RecordedOverride };

function overrideFor(deployment: Deployment, gate: "window" | "freeze"): GateOverride | null {
  const found = deployment.overrides.filter((o) => o.gate === gate).at(-1);
  return found ? { by: found.by, reason: found.reason } : null;
}

/** The approval rule that applies: the fast-track's stronger one, or the environment's. */
export function approvalRule(deployment: Deployment, config: Partial<EnvironmentConfig>): ApprovalsConfig | undefined {
  return deployment.kind === "fast-track" ? config.fastTrack?.approvals : config.gates?.approvals;
}

/**
 * Loads every fact the gates of `environment` decide on for `deployment`. Facts for gates that
 * are not configured are left out; a configured gate whose facts are missing fails closed.
 */
export async function loadGateFacts(db: Db, deployment: Deployment, environment: Environment): Promise<GateFacts> {
  const config = environment.settings;
  const gates = config.gates;
  const facts: GateFacts = {};

  if (gates?.tests) {
    const rows = await db
      .select({ app: apps.name, version: builds.version, tests: builds.tests })
      .from(releaseBuilds)
      .innerJoin(builds, eq(builds.id, releaseBuilds.buildId))
      .innerJoin(apps, eq(apps.id, releaseBuilds.appId))
      .where(eq(releaseBuilds.releaseId, deployment.releaseId))
      .orderBy(asc(apps.position));
    facts.tests = rows.map((r) => ({ app: r.app, version: r.version, tests: r.tests ?? null }));
  }

  if (gates?.soak) {
    // The soak pinned when the deployment was requested (soak-plan.ts) is measured where and from
    // when it said, as long as the release still runs there; older deployments work it out now.
    const pinned = pinnedSoak(deployment);
    const pinnedSource = pinned?.environmentId ? await pinnedSoakEnvironment(db, pinned) : null;
    const source = pinned?.environmentId ? pinnedSource : await soakSource(db, deployment, environment);
    const [release] = await db.select({ commit: releases.commit }).from(releases).where(eq(releases.id, deployment.releaseId));
    let since: Date | null = source ? await runningSince(db, source.id, deployment.releaseId) : null;
    if (since && pinned?.since) since = new Date(pinned.since);
    const samples =
      source && since
        ? await db
            .select({ bucketStart: healthSamples.bucketStart, requests: healthSamples.requests, errors: healthSamples.errors, p95Ms: healthSamples.p95Ms })
            .from(healthSamples)
            .where(and(eq(healthSamples.environmentId, source.id), gte(healthSamples.bucketStart, since)))
        : [];
    facts.soak = { sourceEnvironment: source?.name ?? pinned?.environment ?? "the previous environment", commit: release?.commit ?? "", since, samples };
  }

  if (gates?.verified) facts.verified = await loadVerifiedFacts(db, deployment, environment);

  if (gates?.windows?.length) facts.window = { override: overrideFor(deployment, "window") };

  facts.freeze = { stored: await listStoredFreezes(db, { environmentId: environment.id }), override: overrideFor(deployment, "freeze") };

  const rule = approvalRule(deployment, config);
  if (rule) {
    const decisions = await db.select({ approval: approvals, name: users.name, disabledAt: users.disabledAt }).from(approvals).innerJoin(users, eq(users.id, approvals.userId)).where(eq(approvals.deploymentId, deployment.id));
    const people = [...new Set(decisions.map((d) => d.approval.userId))];
    // Roles count where they apply: global, the pipeline's owner team, the pipeline itself.
    const scope = grantsIn((await pipelineRef(db, environment.pipelineId)) ?? { id: environment.pipelineId, teamId: null });
    const rolesNow = people.length
      ? await db
          .select()
          .from(roleMemberships)
          .where(and(inArray(roleMemberships.userId, people), scope))
      : [];
    const neededRoles = rule.rules.map((r) => r.role);
    const holders = await db
      .selectDistinct({ role: roleMemberships.role, id: users.id, name: users.name })
      .from(roleMemberships)
      .innerJoin(users, eq(users.id, roleMemberships.userId))
      .where(and(inArray(roleMemberships.role, neededRoles), isNull(users.disabledAt), scope));
    facts.approvals = {
      requesterId: deployment.requestedBy,
      releaseId: deployment.releaseId,
      environmentId: deployment.environmentId,
      approvals: decisions.map(({ approval, name, disabledAt }) => ({
        id: approval.id,
        userId: approval.userId,
        userName: name,
        roles: rolesNow.filter((r) => r.userId === approval.userId).map((r) => r.role),
        role: approval.role,
        decision: approval.decision,
        comment: approval.comment,
        createdAt: approval.createdAt,
        releaseId: approval.releaseId,
        environmentId: approval.environmentId,
        voidedAt: approval.voidedAt,
        userDisabled: disabledAt !== null,
      })),
      eligible: neededRoles.map((role: Role) => ({
        role,
        people: holders.filter((h) => h.role === role).map((h) => ({ id: h.id, name: h.name })),
      })),
    };
  }

  if (gates?.incident !== false) {
    const open = await db
      .select({ incident: incidents, openedBy: users.name })
      .from(incidents)
      .leftJoin(users, eq(users.id, incidents.openedBy))
      .where(and(coveringIncidents(environment), eq(incidents.state, "open")));
    facts.incidents = open.map(({ incident, openedBy }) => ({
      id: incident.id,
      title: incident.title,
      severity: incident.severity,
      openedAt: incident.openedAt,
      openedBy: incidentOpener(openedBy, incident.openedVia),
    }));
  }

  if (gates?.checklist?.length) {
    const ticks = await db
      .select({ item: checklistTicks.item, userId: checklistTicks.userId, userName: users.name, tickedAt: checklistTicks.tickedAt })
      .from(checklistTicks)
      .innerJoin(users, eq(users.id, checklistTicks.userId))
      .where(eq(checklistTicks.deploymentId, deployment.id));
    facts.checklist = { ticks };
  }

  if (needsChanges(gates ?? {}, deployment.kind === "fast-track" ? config.fastTrack?.approvals : undefined)) {
    facts.changes = await loadReleaseChanges(db, deployment.releaseId, environment.id);
  }
  return facts;
}
