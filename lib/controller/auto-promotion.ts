import { and, asc, desc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments, environments, pipelines, releases, type Environment } from "@/db/schema";
import { automationActor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";
import { activeFreezes, type StoredFreeze } from "@/lib/domain/gates";
import { compareCommits, newestByCommit, type ParentGraph } from "@/lib/domain/commit-order";
import type { ReleaseFacts } from "@/lib/domain/promotion";
import { currentRelease, parentGraph, releaseFactColumns, succeededIn } from "@/lib/services/promotion-queries";
import { requestDeployment } from "@/lib/services/deployments";
import { ServiceError } from "@/lib/services/errors";
import { listStoredFreezes } from "@/db/queries/freezes";

/** How many of the entry branch's newest releases are considered for the first environment. */
const RECENT_RELEASES = 50;

/**
 * The release that should move into `target` by itself, if any: its branch's newest commit, or
 * what succeeded just before it. Only a release whose commit is shown to be newer than what runs
 * (lib/domain/commit-order.ts) is a candidate; an older commit never is, whenever it was cut.
 */
async function candidateFor(db: Db, chain: Environment[], index: number, graphOf: () => Promise<ParentGraph>): Promise<{ id: string; why: string } | null> {
  const target = chain[index]!;
  const current = await currentRelease(db, target.id);
  const graph = await graphOf();
  const newer = (release: ReleaseFacts) => !current || compareCommits(release, current, graph).order === "newer";
  if (index === 0) {
    const branch = target.settings.branch;
    if (!branch) return null;
    const recent = await db
      .select(releaseFactColumns)
      .from(releases)
      .where(and(eq(releases.branch, branch), eq(releases.pipelineId, target.pipelineId)))
      .orderBy(desc(releases.createdAt), desc(releases.id))
      .limit(RECENT_RELEASES);
    const newest = newestByCommit(recent.filter(newer), graph);
    if (!newest) return null;
    return { id: newest.id, why: `new release ${newest.commit.slice(0, 7)} on ${branch}` };
  }
  const source = chain[index - 1]!;
  const ahead = await currentRelease(db, source.id);
  if (!ahead || !newer(ahead)) return null;
  if (!(await succeededIn(db, source.id, ahead.id))) return null;
  return { id: ahead.id, why: `release ${ahead.commit.slice(0, 7)} succeeded in ${source.name}` };
}

/**
 * Auto-promotion: every environment with `autoPromote` takes the next release as soon as there
 * is one — requested by Slipway's automation, through the same gates as anyone's request. A hold
 * (after a rollback) or a freeze stops it; a release that already went there (even if it failed)
 * is not tried again by itself.
 */
export async function autoPromote(db: Db, clock: Clock, log: (line: string) => void, refused: Set<string> = new Set()): Promise<number> {
  // Each pipeline has its own chain (and its own `dev`): a release moves along its pipeline's only.
  const rows = await db
    .select({ environment: environments, pipeline: pipelines.name })
    .from(environments)
    .innerJoin(pipelines, eq(pipelines.id, environments.pipelineId))
    .where(and(eq(environments.kind, "fixed"), eq(environments.state, "active")))
    .orderBy(asc(pipelines.name), asc(environments.position));
  const chains = new Map<string, { pipeline: string; chain: Environment[] }>();
  for (const row of rows) {
    const entry = chains.get(row.environment.pipelineId) ?? { pipeline: row.pipeline, chain: [] };
    entry.chain.push(row.environment);
    chains.set(row.environment.pipelineId, entry);
  }
  // The commit graph (the newest releases' parents) is read once per pass, not once per environment.
  let graph: Promise<ParentGraph> | null = null;
  const graphOf = () => (graph ??= parentGraph(db));
  // Likewise the stored freezes (a handful), each environment taking those that apply to it.
  let stored: Promise<StoredFreeze[]> | null = null;
  const freezesOf = async (environment: Environment) => (await (stored ??= listStoredFreezes(db))).filter((f) => (f.environmentId ? f.environmentId === environment.id : !f.pipelineId || f.pipelineId === environment.pipelineId));
  let requested = 0;
  for (const { pipeline, chain } of chains.values()) requested += await autoPromoteChain(db, clock, log, refused, pipeline, chain, graphOf, freezesOf);
  return requested;
}

async function autoPromoteChain(
  db: Db,
  clock: Clock,
  log: (line: string) => void,
  refused: Set<string>,
  pipeline: string,
  chain: Environment[],
  graphOf: () => Promise<ParentGraph>,
  freezesOf: (environment: Environment) => Promise<StoredFreeze[]>,
): Promise<number> {
  let requested = 0;
  for (const [index, target] of chain.entries()) {
    const config = target.settings;
    if (!config.autoPromote || target.heldAt) continue;
    const frozen = activeFreezes({ configured: config.gates?.freezes ?? [], stored: await freezesOf(target), environment: target.name }, clock.now());
    if (frozen.length) continue;
    const candidate = await candidateFor(db, chain, index, graphOf);
    if (!candidate || refused.has(`${target.id}:${candidate.id}`)) continue;
    const [tried] = await db
      .select({ id: deployments.id })
      .from(deployments)
      .where(and(eq(deployments.environmentId, target.id), eq(deployments.releaseId, candidate.id)))
      .limit(1);
    if (tried) continue;
    try {
      await requestDeployment({ db, actor: automationActor(), clock }, { environment: `${pipeline}/${target.name}`, releaseId: candidate.id, reason: `auto-promotion: ${candidate.why}` });
      requested += 1;
      log(`${pipeline}/${target.name}: auto-promotion of ${candidate.why}`);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      // Refused requests create nothing; remember them so the same refusal is not repeated every tick.
      refused.add(`${target.id}:${candidate.id}`);
      log(`${pipeline}/${target.name}: auto-promotion refused: ${error.message}`);
    }
  }
  return requested;
}
