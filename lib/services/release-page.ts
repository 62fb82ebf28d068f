import { and, eq, inArray, sql } from "drizzle-orm";
import { environmentApps } from "@/db/schema";
import { releaseWhereabouts, type EnvironmentWhereabouts } from "@/lib/domain/release-whereabouts";
import { loadChain } from "./board-queries";
import type { ServiceContext } from "./context";
import { toEnvironmentView, type EnvironmentRow } from "./environments";
import { loadGateStates } from "./gate-state";

/**
 * Where one release is now along its pipeline's chain (lib/domain/release-whereabouts.ts), read
 * in four statements whatever the pipeline's size: the chain with its deployments in progress,
 * how many apps run the release in each environment, and what guards them. Empty when the
 * pipeline has no fixed environments. `release.runs` says where it ran before.
 */
export async function getReleaseWhereabouts(ctx: ServiceContext, release: { id: string; pipelineId: string; runs: readonly { environment: string; state: string }[] }): Promise<EnvironmentWhereabouts[]> {
  const now = ctx.clock.now();
  const chain = await loadChain(ctx.db, release.pipelineId, 0, 0);
  const fixed = (chain?.environments ?? []).filter((e) => e.kind === "fixed").map((e) => toEnvironmentView(e as EnvironmentRow, [], now));
  if (!chain || !fixed.length) return [];
  const [counts, gateStates] = await Promise.all([
    ctx.db
      .select({ environmentId: environmentApps.environmentId, apps: sql<number>`count(*)::int` })
      .from(environmentApps)
      .where(
        and(
          inArray(
            environmentApps.environmentId,
            fixed.map((e) => e.id),
          ),
          eq(environmentApps.releaseId, release.id),
        ),
      )
      .groupBy(environmentApps.environmentId),
    loadGateStates(ctx.db, ctx.clock, fixed),
  ]);
  const running = new Map(counts.map((c) => [c.environmentId, Number(c.apps)]));
  return releaseWhereabouts(
    release.id,
    fixed.map((env) => ({
      name: env.name,
      appsRunning: running.get(env.id) ?? 0,
      appCount: chain.appCount,
      active: env.active,
      ranBefore: release.runs.some((run) => run.environment === env.name && (run.state === "succeeded" || run.state === "rolled-back")),
      gateState: gateStates.get(env.name),
    })),
  );
}
