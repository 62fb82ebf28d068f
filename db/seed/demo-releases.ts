import type { Actor } from "@/lib/auth/actor";
import { registerBuild } from "@/lib/services/builds";
import type { ServiceContext } from "@/lib/services/context";
import { createRelease } from "@/lib/services/releases";
import { demoArtifact } from "./demo-artifacts";
import { DAY, hex, RELEASES, type DemoRelease } from "./demo-catalog";

/** Artifact fields per `app@version`, written before the seed's transaction (files are not transactional). */
export type DemoArtifacts = Map<string, { artifact: string; digest: string }>;

export async function writeDemoArtifacts(artifactsDir: string): Promise<DemoArtifacts> {
  const artifacts: DemoArtifacts = new Map();
  for (const demo of RELEASES) {
    for (const [app, version] of Object.entries(demo.versions)) {
      artifacts.set(`${app}@${version}`, await demoArtifact(artifactsDir, { app, version, commit: hex(`commit-${demo.key}`, 40), branch: demo.branch }));
    }
  }
  return artifacts;
}

/** When CI produced the demo release `demo`, for a seed run at `now`. */
export const releaseTime = (demo: DemoRelease, now: Date): Date => new Date(now.getTime() - demo.ageDays * DAY);

/**
 * CI's part of one demo release, through the real services: registers one build per app, then
 * cuts the release, acting as `ci` (a developer's token, as CI uses) at the clock's current time.
 * Each develop commit names the previous one as its parent, so commit order is known.
 * Returns the release id. Throws the services' errors (ValidationError, ConflictError) unchanged.
 */
export async function seedRelease(ctx: ServiceContext & { actor: Actor }, demo: DemoRelease, artifacts: DemoArtifacts, parent: string | null): Promise<string> {
  const commit = hex(`commit-${demo.key}`, 40);
  const buildIds: string[] = [];
  for (const [app, version] of Object.entries(demo.versions)) {
    const artifact = artifacts.get(`${app}@${version}`);
    if (!artifact) throw new Error(`The demo has no artifact for ${app} ${version}.`);
    const { build } = await registerBuild(ctx, {
      app,
      version,
      commit,
      branch: demo.branch,
      ...artifact,
      ciUrl: `https://ci.example.com/shop/pipelines/${parseInt(hex(demo.key, 4), 16)}`,
      tests: { passed: true, total: 412, failed: 0 },
      changedFiles: demo.key === "r3" && app === "portal" ? ["services/portal/migrations/0007_add_wishlist.sql"] : [],
      labels: [],
    });
    buildIds.push(build.id);
  }
  const committedAt = new Date(ctx.clock.now().getTime() - 15 * 60_000);
  const { release } = await createRelease(ctx, { commit, branch: demo.branch, builds: buildIds, committedAt: committedAt.toISOString(), ...(parent ? { parents: [parent] } : {}) });
  return release.id;
}
