import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { environments, pipelines, type Environment } from "@/db/schema";
import { automationActor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";
import { activeFreezes, type StoredFreeze } from "@/lib/domain/gates";
import { compareCommits, newestByCommit, type ParentGraph } from "@/lib/domain/commit-order";
import type { ReleaseFacts } from "@/lib/domain/promotion";
import { currentReleases, deploymentsOfPairs, parentGraph, recentReleasesOfBranches } from "@/lib/services/promotion-queries";
import { requestDeployment } from "@/lib/services/deployments";
import { ServiceError } from "@/lib/services/errors";
import { listStoredFreezes } from "@/db/queries/freezes";

/** How many of the entry branch's newest releases are considered for the first environment. */
const RECENT_RELEASES = 50;

/** An environment that takes releases by itself now (auto-promote, not held, not frozen): chain[index]. */
interface Target {
  pipeline: string;
  chain: Environment[];
  index: number;
}

/** What one pass reads, for every target at once (a bounded number of statements, however many pipelines). */
interface PassFacts {
  /** What each target and each target's source runs, by environment id. */
  current: Map<string, ReleaseFacts>;
  graph: ParentGraph;
  /** The entry branch's newest releases, by first environment id. */
  recent: Map<string, ReleaseFacts[]>;
}

/**
 * The release that would move into `target` by itself, if any, before its history is looked at:
 * its branch's newest commit, or what runs just before it. Only a release whose commit is shown to
 * be newer than what runs (lib/domain/commit-order.ts) is a proposal; an older commit never is,
 * whenever it was cut. A proposal from the previous environment still has to have succeeded there.
 */
function proposalFor({ chain, index }: Target, facts: PassFacts): { id: string; commit: string; source: Environment | null } | null {
  const target = chain[index]!;
  const current = facts.current.get(target.id);
  const newer = (release: ReleaseFacts) => !current || compareCommits(release, current, facts.graph).order === "newer";
  if (index === 0) {
    const newest = newestByCommit((facts.recent.get(target.id) ?? []).filter(newer), facts.graph);
    return newest && { id: newest.id, commit: newest.commit, source: null };
  }
  const source = chain[index - 1]!;
  const ahead = facts.current.get(source.id);
  if (!ahead || !newer(ahead)) return null;
  return { id: ahead.id, commit: ahead.commit, source };
}

/**
 * Auto-promotion: every environment with `autoPromote` takes the next release as soon as there
 * is one — requested by Slipway's automation, through the same gates as anyone's request. A hold
 * (after a rollback) or a freeze stops it; a release that already went there (even if it failed)
 * is not tried again by itself. A pass reads in at most six statements whatever the number of
 * pipelines (environments, freezes, what runs, the commit graph, the entry branches' releases, the
 * proposals' deployments), plus what each request it makes costs.
 * @returns how many deployments it requested
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
  // The stored freezes (a handful) are read once per pass, each environment taking those that apply to it.
  let stored: Promise<StoredFreeze[]> | null = null;
  const freezesOf = async (environment: Environment) => (await (stored ??= listStoredFreezes(db))).filter((f) => (f.environmentId ? f.environmentId === environment.id : !f.pipelineId || f.pipelineId === environment.pipelineId));
  const targets: Target[] = [];
  for (const { pipeline, chain } of chains.values()) {
    for (const [index, target] of chain.entries()) {
      const config = target.settings;
      if (!config.autoPromote || target.heldAt) continue;
      const frozen = activeFreezes({ configured: config.gates?.freezes ?? [], stored: await freezesOf(target), environment: target.name }, clock.now());
      if (!frozen.length) targets.push({ pipeline, chain, index });
    }
  }
  if (!targets.length) return 0;

  // Requests made below create queued deployments only: they change none of the facts read here
  // (what runs, what succeeded where, what was tried in another target), so one read serves the pass.
  const envIds = targets.flatMap(({ chain, index }) => (index === 0 ? [chain[0]!.id] : [chain[index]!.id, chain[index - 1]!.id]));
  const entries = targets.flatMap(({ chain, index }) => (index === 0 && chain[0]!.settings.branch ? [{ environmentId: chain[0]!.id, pipelineId: chain[0]!.pipelineId, branch: chain[0]!.settings.branch }] : []));
  const facts: PassFacts = { current: await currentReleases(db, envIds), graph: await parentGraph(db), recent: await recentReleasesOfBranches(db, entries, RECENT_RELEASES) };
  const proposals = targets.flatMap((target) => {
    const proposal = proposalFor(target, facts);
    const environment = target.chain[target.index]!;
    return proposal && !refused.has(`${environment.id}:${proposal.id}`) ? [{ target, environment, proposal }] : [];
  });
  const history = await deploymentsOfPairs(
    db,
    proposals.flatMap(({ environment, proposal }) => [{ environmentId: environment.id, releaseId: proposal.id }, ...(proposal.source ? [{ environmentId: proposal.source.id, releaseId: proposal.id }] : [])]),
  );

  let requested = 0;
  for (const { target, environment, proposal } of proposals) {
    if (proposal.source && !history.succeeded.has(`${proposal.source.id}:${proposal.id}`)) continue;
    if (history.tried.has(`${environment.id}:${proposal.id}`)) continue;
    const branch = environment.settings.branch;
    const why = proposal.source ? `release ${proposal.commit.slice(0, 7)} succeeded in ${proposal.source.name}` : `new release ${proposal.commit.slice(0, 7)} on ${branch}`;
    try {
      await requestDeployment({ db, actor: automationActor(), clock }, { environment: `${target.pipeline}/${environment.name}`, releaseId: proposal.id, reason: `auto-promotion: ${why}` });
      requested += 1;
      log(`${target.pipeline}/${environment.name}: auto-promotion of ${why}`);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      // Refused requests create nothing; remember them so the same refusal is not repeated every tick.
      refused.add(`${environment.id}:${proposal.id}`);
      log(`${target.pipeline}/${environment.name}: auto-promotion refused: ${error.message}`);
    }
  }
  return requested;
}
