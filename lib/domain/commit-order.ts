/**
 * Commit order: which of two releases carries the newer commit. Releases are cut in whatever order
 * CI finishes, so the time a release was cut says nothing about its commit; only what CI tells us
 * about the commit does. Three kinds of evidence, strongest first:
 *
 * 1. ancestry — one commit is an ancestor of the other through the parents CI sent (followed
 *    across every release Slipway knows);
 * 2. build number — both carry a number CI increases with every build;
 * 3. commit time — both carry the commit's timestamp.
 *
 * When none applies the order is `unknown`: automation then does not move, and the UI says why.
 */

/** What a release says about its commit. Every field but `commit` may be missing. */
export interface CommitFacts {
  commit: string;
  committedAt?: Date | null;
  parentCommits?: readonly string[] | null;
  buildNumber?: number | null;
}

export type CommitOrder = "newer" | "older" | "same" | "unknown";
export type CommitOrderBasis = "ancestry" | "build-number" | "commit-time";

export interface CommitComparison {
  /** How `a` relates to `b`. */
  order: CommitOrder;
  /** The evidence it was decided on (null for `same` and `unknown`). */
  basis: CommitOrderBasis | null;
}

/** Parents by commit, for following ancestry beyond a release's own parents. */
export type ParentGraph = ReadonlyMap<string, readonly string[]>;

/** The longest ancestry walk, in commits; beyond it ancestry is "not shown" rather than slow. */
const MAX_WALK = 5_000;

/** Whether `ancestor` is reachable from `commit` through known parents. */
export function isAncestor(ancestor: string, start: CommitFacts, graph: ParentGraph): boolean {
  const seen = new Set<string>();
  const queue = [...(start.parentCommits ?? graph.get(start.commit) ?? [])];
  while (queue.length && seen.size < MAX_WALK) {
    const next = queue.shift()!;
    if (next === ancestor) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...(graph.get(next) ?? []));
  }
  return false;
}

/** Whether a release carries any commit-order evidence at all. */
export function hasCommitOrder(release: CommitFacts): boolean {
  return Boolean(release.committedAt || release.parentCommits?.length || release.buildNumber != null);
}

/**
 * How release `a`'s commit relates to `b`'s. Pure: `graph` holds the parents of other known
 * releases (commit → parent SHAs) so ancestry can be followed across them.
 */
export function compareCommits(a: CommitFacts, b: CommitFacts, graph: ParentGraph = new Map()): CommitComparison {
  if (a.commit === b.commit) return { order: "same", basis: null };
  if (isAncestor(b.commit, a, graph)) return { order: "newer", basis: "ancestry" };
  if (isAncestor(a.commit, b, graph)) return { order: "older", basis: "ancestry" };
  if (a.buildNumber != null && b.buildNumber != null && a.buildNumber !== b.buildNumber) {
    return { order: a.buildNumber > b.buildNumber ? "newer" : "older", basis: "build-number" };
  }
  if (a.committedAt && b.committedAt && a.committedAt.getTime() !== b.committedAt.getTime()) {
    return { order: a.committedAt > b.committedAt ? "newer" : "older", basis: "commit-time" };
  }
  return { order: "unknown", basis: null };
}

/**
 * The newest of `candidates` by commit order, or null when there are none. A candidate whose order
 * against the best so far is unknown cannot take its place: automation picks only what it can show
 * is newer.
 */
export function newestByCommit<T extends CommitFacts>(candidates: readonly T[], graph: ParentGraph = new Map()): T | null {
  let best: T | null = null;
  for (const candidate of candidates) {
    if (!best || compareCommits(candidate, best, graph).order === "newer") best = candidate;
  }
  return best;
}

/** A sentence for people: why the order is unknown, and what CI should send. */
export function unknownOrderMessage(a: { commit: string }, b: { commit: string }): string {
  return `Slipway cannot tell whether ${a.commit.slice(0, 7)} is newer than ${b.commit.slice(0, 7)}: CI sent no commit time, parents or build number for one of them (POST /api/v1/releases: committedAt, parents, buildNumber). Automation waits for a person to choose.`;
}
