import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
  apps as appsTable,
  builds,
  deploymentSteps,
  deployments,
  environmentApps,
  environments,
  releaseBuilds,
  releases,
  roleMemberships,
  slipwayMeta,
  users,
} from "@/db/schema";
import type { DeploymentKind, DeploymentState } from "@/db/schema/enums";
import { systemActor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { recordAudit } from "@/lib/services/audit";
import { findUserByEmail } from "@/lib/services/users";
import { writeArtifact } from "@/lib/platform/local/artifact";
import { DEMO_USERS } from "./demo-users";

const SEEDED_KEY = "demo.seededAt";
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** A deterministic fake commit and digest, so demo data reads like real data. */
const hex = (seed: string, length: number) => createHash("sha256").update(seed).digest("hex").slice(0, length);

interface DemoRelease {
  key: string;
  branch: string;
  /** Days before now that CI produced it. */
  ageDays: number;
  versions: Record<string, string>;
}

// Six releases of develop over two weeks, and one feature branch under review.
const RELEASES: DemoRelease[] = [
  { key: "r1", branch: "develop", ageDays: 13, versions: { portal: "1.0.0", admin: "2.3.0", "api-gateway": "0.9.0" } },
  { key: "r2", branch: "develop", ageDays: 10, versions: { portal: "1.1.0", admin: "2.3.1", "api-gateway": "0.9.1" } },
  { key: "r3", branch: "develop", ageDays: 8, versions: { portal: "1.2.0", admin: "2.4.0", "api-gateway": "0.10.0" } },
  { key: "r4", branch: "develop", ageDays: 5, versions: { portal: "1.2.1", admin: "2.4.0-1", "api-gateway": "0.10.1" } },
  { key: "r5", branch: "develop", ageDays: 2.5, versions: { portal: "1.3.0", admin: "2.5.0", "api-gateway": "0.11.0" } },
  { key: "r6", branch: "develop", ageDays: 0.4, versions: { portal: "1.4.0", admin: "2.5.1", "api-gateway": "0.11.1" } },
  { key: "rc", branch: "feature/checkout", ageDays: 0.2, versions: { portal: "1.4.0-checkout.1", admin: "2.5.1-checkout.1", "api-gateway": "0.11.1-checkout.1" } },
];

interface DemoDeployment {
  release: string;
  env: string;
  /** Hours after the release was built (or after `anchor` was, when set). */
  afterHours: number;
  /** The release whose creation `afterHours` counts from, when not `release` (a rollback counts from what it undoes). */
  anchor?: string;
  by: string;
  kind?: DeploymentKind;
  state?: DeploymentState;
  reason?: string;
  failure?: string;
}

// The history a newcomer sees: promotions up the chain, one failed prod deploy and one rollback.
const HISTORY: DemoDeployment[] = [
  ...["dev", "qa", "uat", "staging", "prod"].map((env, i) => ({ release: "r1", env, afterHours: i * 20 + 1, by: i < 3 ? "developer" : "delivery-lead" })),
  ...["dev", "qa", "uat", "staging", "prod"].map((env, i) => ({ release: "r2", env, afterHours: i * 12 + 1, by: i < 3 ? "developer" : "delivery-lead" })),
  ...["dev", "qa", "uat", "staging"].map((env, i) => ({ release: "r3", env, afterHours: i * 10 + 1, by: "developer" })),
  { release: "r3", env: "prod", afterHours: 48, by: "delivery-lead" },
  // One hour after r3 reached prod: the rollback comes after what it undoes.
  { release: "r2", env: "prod", afterHours: 49, anchor: "r3", by: "tech-lead", kind: "rollback" as const, reason: "Checkout error rate rose to 4% after 1.2.0" },
  ...["dev", "qa", "uat", "staging"].map((env, i) => ({ release: "r4", env, afterHours: i * 8 + 1, by: "developer" })),
  { release: "r4", env: "prod", afterHours: 40, by: "delivery-lead", state: "failed" as const, failure: "api-gateway did not become healthy within 5 minutes: /health answered 503" },
  { release: "r4", env: "prod", afterHours: 44, by: "delivery-lead", kind: "redeploy" as const, reason: "Retry after fixing the gateway's connection pool setting" },
  ...["dev", "qa", "uat", "staging"].map((env, i) => ({ release: "r5", env, afterHours: i * 9 + 1, by: i < 2 ? "developer" : "delivery-lead" })),
  { release: "r6", env: "dev", afterHours: 0.5, by: "developer" },
  { release: "r6", env: "qa", afterHours: 2, by: "developer" },
];

/**
 * Demo data for a newcomer's first start: the demo users, a few releases with history in every
 * environment, and one review environment. Every build is a real sample-service artifact written
 * to `artifactsDir`, so the local platform can run each environment's recorded release. Runs once
 * (recorded in slipway_meta); a second start adds nothing.
 */
export async function seedDemoData(db: Db, clock: Clock, options: { artifactsDir: string }): Promise<boolean> {
  const [alreadySeeded] = await db.select().from(slipwayMeta).where(eq(slipwayMeta.key, SEEDED_KEY));
  if (alreadySeeded) return false;
  // Artifacts first, outside the transaction: files are content-addressed, so writing them twice is harmless.
  const artifacts = new Map<string, { url: string; digest: string }>();
  for (const demo of RELEASES) {
    for (const [app, version] of Object.entries(demo.versions)) {
      artifacts.set(`${app}@${version}`, await writeArtifact(options.artifactsDir, { app, version, commit: hex(`commit-${demo.key}`, 40), branch: demo.branch }));
    }
  }
  return db.transaction(async (tx) => {
    const [seeded] = await tx.select().from(slipwayMeta).where(eq(slipwayMeta.key, SEEDED_KEY));
    if (seeded) return false;
    const now = clock.now();
    const pipeline = await tx.query.pipelines.findFirst();
    if (!pipeline) throw new Error("Load slipway.yaml before seeding demo data.");

    const userIds: Record<string, string> = {};
    for (const demo of DEMO_USERS) {
      const existing = await findUserByEmail(tx, demo.email);
      const id = existing?.id ?? newId("usr", new Date(now.getTime() - 20 * DAY));
      if (!existing) {
        await tx.insert(users).values({ id, email: demo.email, name: demo.name, createdAt: new Date(now.getTime() - 20 * DAY) });
        await tx.insert(roleMemberships).values(demo.roles.map((role) => ({ userId: id, role })));
      }
      userIds[demo.roles[0]!] = id;
    }

    const apps = await tx.select().from(appsTable).where(eq(appsTable.pipelineId, pipeline.id));
    const envs = await tx.select().from(environments).where(and(eq(environments.pipelineId, pipeline.id), eq(environments.kind, "fixed")));
    const envByName = new Map(envs.map((e) => [e.name, e]));
    const releaseIds: Record<string, string> = {};
    const buildIds: Record<string, Record<string, string>> = {};
    const releaseTime: Record<string, Date> = {};

    // Each develop release's commit follows the previous one, as CI reports it (commit order).
    let previousDevelop: string | null = null;
    for (const demo of RELEASES) {
      const at = new Date(now.getTime() - demo.ageDays * DAY);
      const commit = hex(`commit-${demo.key}`, 40);
      releaseTime[demo.key] = at;
      buildIds[demo.key] = {};
      for (const app of apps) {
        const version = demo.versions[app.name];
        const artifact = version ? artifacts.get(`${app.name}@${version}`) : undefined;
        if (!version || !artifact) throw new Error(`The demo data has no build of ${app.name} for ${demo.key}: slipway.yaml's apps differ from the demo's.`);
        const id = newId("bld", at);
        await tx.insert(builds).values({
          id,
          appId: app.id,
          version,
          commit,
          branch: demo.branch,
          digest: artifact.digest,
          artifact: artifact.url,
          ciUrl: `https://ci.example.com/shop/pipelines/${parseInt(hex(demo.key, 4), 16)}`,
          tests: { passed: true, total: 412, failed: 0 },
          changedFiles: demo.key === "r3" && app.name === "portal" ? ["services/portal/migrations/0007_add_wishlist.sql"] : [],
          labels: [],
          createdBy: userIds.developer!,
          createdAt: at,
        });
        buildIds[demo.key]![app.id] = id;
      }
      const releaseId = newId("rel", at);
      releaseIds[demo.key] = releaseId;
      const parentCommits = previousDevelop ? [previousDevelop] : null;
      const committedAt = new Date(at.getTime() - 15 * 60_000);
      await tx.insert(releases).values({ id: releaseId, pipelineId: pipeline.id, commit, branch: demo.branch, committedAt, parentCommits, createdBy: userIds.developer!, createdAt: at });
      if (demo.branch === "develop") previousDevelop = commit;
      await tx.insert(releaseBuilds).values(apps.map((app) => ({ releaseId, appId: app.id, buildId: buildIds[demo.key]![app.id]! })));
    }

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
        pipelineId: pipeline.id,
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

    await tx.insert(slipwayMeta).values({ key: SEEDED_KEY, value: now.toISOString(), updatedAt: now });
    await recordAudit(tx, systemActor("cli"), clock, {
      action: "demo.seed",
      targetType: "pipeline",
      targetId: pipeline.id,
      data: { users: DEMO_USERS.map((u) => u.email), releases: RELEASES.length, deployments: HISTORY.length },
    });
    return true;
  });
}
