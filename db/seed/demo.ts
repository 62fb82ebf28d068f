import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps as appsTable, environments, releaseBuilds, roleMemberships, slipwayMeta, users } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";
import { fixedClock, type Clock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { recordAudit } from "@/lib/services/audit";
import { findUserByEmail, loadActor } from "@/lib/services/users";
import { DAY, HISTORY, RELEASES } from "./demo-catalog";
import { DEMO_USERS } from "./demo-users";
import { seedHistory } from "./demo-history";
import { releaseTime as releaseTimeOf, seedRelease, writeDemoArtifacts } from "./demo-releases";

const SEEDED_KEY = "demo.seededAt";

/**
 * Demo data for a newcomer's first start: the demo users, a few releases with history in every
 * environment, and one review environment. Every build is a real sample-service artifact written
 * to `artifactsDir`, so the local platform can run each environment's recorded release. Builds and
 * releases are registered through the real services (registerBuild, createRelease) with a clock
 * set back to when CI produced them, so each has its audit event in the hash chain.
 * Runs once (recorded in slipway_meta); a second start adds nothing. Returns whether it seeded.
 * Throws when slipway.yaml's pipeline is not loaded or its apps differ from the demo's.
 */
export async function seedDemoData(db: Db, clock: Clock, options: { artifactsDir: string }): Promise<boolean> {
  const [alreadySeeded] = await db.select().from(slipwayMeta).where(eq(slipwayMeta.key, SEEDED_KEY));
  if (alreadySeeded) return false;
  const artifacts = await writeDemoArtifacts(options.artifactsDir);
  return db.transaction(async (tx) => {
    const [seeded] = await tx.select().from(slipwayMeta).where(eq(slipwayMeta.key, SEEDED_KEY));
    if (seeded) return false;
    const now = clock.now();
    const pipeline = await tx.query.pipelines.findFirst();
    if (!pipeline) throw new Error("Load slipway.yaml before seeding demo data.");

    // The demo people exist before any history (as if an admin had added them three weeks ago).
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
    const demoApps = Object.keys(RELEASES[0]!.versions).sort();
    if (apps.map((a) => a.name).sort().join() !== demoApps.join()) {
      throw new Error(`The demo data has builds of ${demoApps.join(", ")}, but slipway.yaml's apps are ${apps.map((a) => a.name).join(", ")}.`);
    }
    const envs = await tx.select().from(environments).where(and(eq(environments.pipelineId, pipeline.id), eq(environments.kind, "fixed")));
    const envByName = new Map(envs.map((e) => [e.name, e]));

    // CI registers each release's builds and cuts it, at the time it did so, with the developer's token.
    const ci = await loadActor(tx, userIds.developer!, "api");
    if (!ci) throw new Error("The demo developer is missing.");
    const seedClock = fixedClock(now);
    const releaseIds: Record<string, string> = {};
    const buildIds: Record<string, Record<string, string>> = {};
    const releaseTime: Record<string, Date> = {};
    let previousDevelop: string | null = null;
    for (const demo of [...RELEASES].sort((a, b) => b.ageDays - a.ageDays)) {
      releaseTime[demo.key] = releaseTimeOf(demo, now);
      seedClock.set(releaseTime[demo.key]!);
      releaseIds[demo.key] = await seedRelease({ db: tx, actor: ci, clock: seedClock }, demo, artifacts, demo.branch === "develop" ? previousDevelop : null);
      if (demo.branch === "develop") previousDevelop = await commitOf(tx, releaseIds[demo.key]!);
      const rows = await tx.select().from(releaseBuilds).where(eq(releaseBuilds.releaseId, releaseIds[demo.key]!));
      buildIds[demo.key] = Object.fromEntries(rows.map((r) => [r.appId, r.buildId]));
    }

    await seedHistory(tx, { now, pipelineId: pipeline.id, apps, envByName, userIds, releaseIds, buildIds, releaseTime });

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

async function commitOf(tx: Db, releaseId: string): Promise<string> {
  const release = await tx.query.releases.findFirst({ where: (r, { eq }) => eq(r.id, releaseId), columns: { commit: true } });
  return release!.commit;
}
