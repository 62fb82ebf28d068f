import type { EnvironmentConfig } from "@/lib/config/schema";
import type { StoredFreeze } from "./gates/freeze";
import { isAhead, type CellRelease } from "./environment-summary";
import { formatList, formatRelative, shortCommit } from "./gates/format";
import { describePromotion, type PromotionPreview } from "./promotion-preview";
import { roleCount, roleName } from "./roles";

/**
 * What can move along a pipeline's chain, as the board offers it: what waits to enter each
 * environment, what can be fast-tracked into the last one, and which environments a fast-track
 * skipped. Pure: works on facts the board's service loaded; `now` is passed in.
 */

/** A release as a Promote or Fast-track confirmation names it: its builds' versions (one page of apps at most). */
export interface MovableRelease {
  id: string;
  commit: string;
  versions: { app: string; version: string }[];
}

/** What is waiting to move into an environment. */
export interface Waiting {
  release: MovableRelease;
  /** The environment it comes from; null when it enters the chain. */
  from: string | null;
  /** What promoting it would do now, for the confirmation. */
  preview: PromotionPreview;
}

/** What the last environment may take by fast-track, and what a confirmation says about it. */
export interface FastTrackOffer {
  release: MovableRelease;
  /** The environments before the last that do not run the release (its gates there do not run). */
  skipped: string[];
  /** "tech lead and 2 product managers": the approvals a fast-track needs. */
  approvals: string;
  /** Whether that rule asks more than a promotion into the environment does (else it is the same rule, or a weaker one). */
  stronger: boolean;
  /** What holds a fast-track there right now (a closed window, a freeze) and what it asks of people, in sentences. */
  waits: string[];
  /** What to know that does not hold it (a hold after a rollback), in sentences. */
  notes: string[];
  /**
   * Environments of the chain where a rollout of the release was rolled back (and it was not
   * deployed there again since). Advice for whoever fast-tracks it, in chain order; the fast-track's
   * gates and approvals decide.
   */
  rolledBackIn: string[];
  /** Environments of the chain where a rollout bringing it in started and failed, and it was not deployed there since: advice, as rolledBackIn. */
  failedIn: string[];
  /** The two above as advice for the board, or null: "Release abc1234 failed in dev, and was rolled back in qa: find out why before fast-tracking it". */
  advice: string | null;
}

/** One environment of the chain, in order, as the decisions need it. */
export interface ChainColumn {
  name: string;
  config: Partial<EnvironmentConfig>;
  hold: { reason: string | null } | null;
  /** The release its apps share (environmentRelease), else null. */
  release: CellRelease | null;
  /** Versions its apps run, for the apps the board shows (app name → version). */
  versions: ReadonlyMap<string, string>;
  /** The deployments in progress into it: a release already moving in is not offered again. */
  activeReleaseIds: readonly string[];
  /** No app runs anything there (over every app, not only the board's page of them). */
  empty: boolean;
  /** The previous column's release when it was rolled back there (and not deployed there again since), and when. */
  rolledBack: { releaseId: string; at: Date } | null;
}

/**
 * What waits to move into column `i`: for the first, `entry` (the newest release of its branch,
 * when newer than what it runs); for the others, the previous column's release when it is ahead.
 * Null when nothing waits or it is already moving in. `apps` names the versions to list.
 */
export function waitingInto(chain: readonly ChainColumn[], i: number, facts: { entry: MovableRelease | null; apps: readonly string[]; storedFreezes: readonly StoredFreeze[]; holdLifters?: string; now: Date }): Waiting | null {
  const target = chain[i];
  if (!target) return null;
  const preview = (from: string | null) =>
    describePromotion({ to: target.name, from, config: target.config, storedFreezes: facts.storedFreezes, hold: target.hold, ...(facts.holdLifters ? { holdLifters: facts.holdLifters } : {}), empty: target.empty, now: facts.now });
  let waiting: Waiting | null = null;
  if (i === 0) {
    waiting = facts.entry ? { release: facts.entry, from: null, preview: preview(null) } : null;
  } else {
    const source = chain[i - 1]!;
    const previous = source.release;
    if (previous?.releaseId && isAhead(previous, target.release)) {
      waiting = {
        from: source.name,
        preview: preview(source.name),
        release: { id: previous.releaseId, commit: previous.releaseCommit ?? "", versions: facts.apps.map((app) => ({ app, version: source.versions.get(app) ?? "?" })) },
      };
    }
  }
  if (!waiting || target.activeReleaseIds.includes(waiting.release.id)) return null;
  // Advice, as for a fast-track: promoting again what was just rolled back out of here is allowed.
  if (target.rolledBack?.releaseId === waiting.release.id) {
    const note = `Release ${shortCommit(waiting.release.commit)} was rolled back in ${target.name} ${formatRelative(target.rolledBack.at, facts.now)}: find out why before promoting it again.`;
    waiting = { ...waiting, preview: { ...waiting.preview, notes: [note, ...waiting.preview.notes] } };
  }
  return waiting;
}

/**
 * The fast-track offer for the last column: `candidate` (the newest release of its fast-track
 * branches, when newer than what it runs), unless it is already moving in. `runningIn` names the
 * environments where some app runs the candidate; `trouble` those that rolled it back or where its
 * rollout failed (and it was not deployed there since).
 */
export function fastTrackOffer(
  chain: readonly ChainColumn[],
  candidate: MovableRelease | null,
  runningIn: readonly string[],
  trouble: { rolledBackIn: readonly string[]; failedIn: readonly string[] },
  facts: { storedFreezes: readonly StoredFreeze[]; holdLifters?: string; now: Date },
): FastTrackOffer | null {
  const last = chain.at(-1);
  if (!candidate || !last || chain.length < 2 || last.activeReleaseIds.includes(candidate.id)) return null;
  const fastTrackApprovals = last.config.fastTrack?.approvals;
  const rules = fastTrackApprovals?.rules ?? [];
  const preview = describePromotion({
    to: last.name,
    from: null,
    config: last.config,
    storedFreezes: facts.storedFreezes,
    hold: last.hold,
    ...(facts.holdLifters ? { holdLifters: facts.holdLifters } : {}),
    empty: last.empty,
    approvals: fastTrackApprovals,
    now: facts.now,
  });
  const rolledBackIn = chain.filter((e) => trouble.rolledBackIn.includes(e.name)).map((e) => e.name);
  const failedIn = chain.filter((e) => trouble.failedIn.includes(e.name)).map((e) => e.name);
  const troubles = [failedIn.length > 0 ? `failed in ${formatList(failedIn)}` : null, rolledBackIn.length > 0 ? `was rolled back in ${formatList(rolledBackIn)}` : null].filter((t) => t !== null);
  const advice = troubles.length > 0 ? `Release ${shortCommit(candidate.commit)} ${troubles.join(", and ")}: find out why before fast-tracking it` : null;
  return {
    release: candidate,
    skipped: chain
      .slice(0, -1)
      .filter((e) => !runningIn.includes(e.name))
      .map((e) => e.name),
    approvals: rules.map((r) => (r.count > 1 ? roleCount(r.count, r.role) : roleName(r.role))).join(" and "),
    stronger: asksMore(rules, last.config.gates?.approvals?.rules ?? []),
    waits: preview.waits,
    // The dialog repeats the board's advice above what the preview notes.
    notes: advice ? [`${advice}.`, ...preview.notes] : preview.notes,
    rolledBackIn,
    failedIn,
    advice,
  };
}

/**
 * Whether column `name` says it was skipped: the last environment runs a fast-tracked release
 * that skipped it, and it does not run that release's commit itself.
 */
export function skippedByFastTrack(fastTracked: { commit: string; environment: string; skipped: readonly string[] } | null, name: string, runsCommit: boolean): { commit: string; environment: string } | null {
  return fastTracked && fastTracked.skipped.includes(name) && !runsCommit ? { commit: fastTracked.commit, environment: fastTracked.environment } : null;
}

/** Whether approval rule `a` asks more than `b`: every approval `b` needs, at least as many times, and something more. */
function asksMore(a: readonly { role: string; count: number }[], b: readonly { role: string; count: number }[]): boolean {
  const need = (rules: readonly { role: string; count: number }[]) => {
    const counts = new Map<string, number>();
    for (const r of rules) counts.set(r.role, (counts.get(r.role) ?? 0) + r.count);
    return counts;
  };
  const [ours, theirs] = [need(a), need(b)];
  const covers = [...theirs].every(([role, count]) => (ours.get(role) ?? 0) >= count);
  const more = [...ours].some(([role, count]) => count > (theirs.get(role) ?? 0));
  return covers && more;
}
