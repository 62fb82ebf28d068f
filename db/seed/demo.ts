import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps as appsTable, environments, slipwayMeta } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { systemActor } from "@/lib/auth/actor";
import { fixedClock, type Clock } from "@/lib/domain/clock";
import { recordAudit } from "@/lib/services/audit";
import { createUser, findUserByEmail, loadActor } from "@/lib/services/users";
import { DAY, HISTORY, RELEASES } from "./demo-catalog";
import { DEMO_USERS } from "./demo-users";
import { seedDemoTeams } from "./demo-teams";
import { seedHistory } from "./demo-history";
import { releaseTime as releaseTimeOf, seedRelease, writeDemoArtifacts } from "./demo-releases";

const SEEDED_KEY = "demo.seededAt";
const DEMO_PIPELINE = "shop";

/**
 * Demo data for a newcomer's first start: the demo users, a few releases with history in every
 * environment, and one review environment. Every build is a real sample-service artifact written
 * to `artifactsDir`, so the local platform can run each environment's recorded release.
 *
 * The history is made by the real services with a clock set back through the past two weeks:
 * CI registers builds and cuts releases (the developer's token), people and automation request
 * deployments, tick checklists, approve, roll back and lift the hold, and the developer spins up
 * the review environment; demo-completion.ts plays the gatekeeper's and controller's part. So
 * every action has its audit event in the hash chain, with its actor and time; one last
 * `demo.seed` event (by the system) records that the demo was loaded.
 * Runs once (recorded in slipway_meta); a second start adds nothing. Returns whether it seeded.
 * Throws (and writes nothing) when slipway.yaml's pipeline is not loaded, its apps differ from the
 * demo's, or a service refuses a step of the history.
 */
export async function seedDemoData(db: Db, clock: Clock, options: { artifactsDir: string }): Promise<boolean> {
  const [alreadySeeded] = await db.select().from(slipwayMeta).where(eq(slipwayMeta.key, SEEDED_KEY));
  if (alreadySeeded) return false;
  const artifacts = await writeDemoArtifacts(options.artifactsDir);
  return db.transaction(async (tx) => {
    const [seeded] = await tx.select().from(slipwayMeta).where(eq(slipwayMeta.key, SEEDED_KEY));
    if (seeded) return false;
    const now = clock.now();
    // The history is the shop's (pipelines/shop.yaml); the other demo pipelines start without one.
    const pipeline = await tx.query.pipelines.findFirst({ where: (p, { eq }) => eq(p.name, DEMO_PIPELINE) });
    if (!pipeline) throw new Error(`Load the "${DEMO_PIPELINE}" pipeline (pipelines/shop.yaml) before seeding demo data.`);

    // The demo people exist before any history: Slipway adds them three weeks back (user.create).
    const seedClock = fixedClock(new Date(now.getTime() - 20 * DAY));
    const userIds: Record<string, string> = {};
    for (const demo of DEMO_USERS) {
      const existing = await findUserByEmail(tx, demo.email);
      const id = existing?.id ?? (await createUser({ db: tx, actor: systemActor("cli"), clock: seedClock }, { email: demo.email, name: demo.name, roles: demo.roles })).id;
      userIds[demo.roles[0]!] = id;
    }

    const apps = await tx.select().from(appsTable).where(eq(appsTable.pipelineId, pipeline.id));
    const demoApps = Object.keys(RELEASES[0]!.versions).sort();
    if (
      apps
        .map((a) => a.name)
        .sort()
        .join() !== demoApps.join()
    ) {
      throw new Error(`The demo data has builds of ${demoApps.join(", ")}, but slipway.yaml's apps are ${apps.map((a) => a.name).join(", ")}.`);
    }
    const envs = await tx
      .select()
      .from(environments)
      .where(and(eq(environments.pipelineId, pipeline.id), eq(environments.kind, "fixed")));
    const envByName = new Map(envs.map((e) => [e.name, e]));

    // CI registers each release's builds and cuts it, at the time it did so, with the developer's token.
    const ci = await loadActor(tx, userIds.developer!, "api");
    if (!ci) throw new Error("The demo developer is missing.");
    const releaseIds: Record<string, string> = {};
    const releaseTime: Record<string, Date> = {};
    let previousDevelop: string | null = null;
    for (const demo of [...RELEASES].sort((a, b) => b.ageDays - a.ageDays)) {
      releaseTime[demo.key] = releaseTimeOf(demo, now);
      seedClock.set(releaseTime[demo.key]!);
      releaseIds[demo.key] = await seedRelease({ db: tx, actor: ci, clock: seedClock }, demo, artifacts, demo.branch === "develop" ? previousDevelop : null);
      if (demo.branch === "develop") previousDevelop = await commitOf(tx, releaseIds[demo.key]!);
    }

    // Then people and automation deploy them, as it happened (demo-history.ts).
    const people: Record<string, Actor> = {};
    for (const [role, id] of Object.entries(userIds)) people[role] = (await loadActor(tx, id, "ui"))!;
    await seedHistory(tx, { now, clock: seedClock, people, releaseIds, releaseTime, envByName, pipeline: pipeline.name });

    await seedDemoTeams(tx, clock);
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

/** Whether the demo data was loaded into this database (on this start or an earlier one). */
export async function demoDataLoaded(db: Db): Promise<boolean> {
  const [seeded] = await db.select({ key: slipwayMeta.key }).from(slipwayMeta).where(eq(slipwayMeta.key, SEEDED_KEY));
  return Boolean(seeded);
}

async function commitOf(tx: Db, releaseId: string): Promise<string> {
  const release = await tx.query.releases.findFirst({ where: (r, { eq }) => eq(r.id, releaseId), columns: { commit: true } });
  return release!.commit;
}
