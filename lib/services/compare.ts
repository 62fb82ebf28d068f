import { and, asc, desc, eq, gt, inArray, lte, notInArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { listCells, type CellRow } from "@/db/queries/cells";
import { builds, deployments, environments, pipelines, releaseBuilds, releases } from "@/db/schema";
import type { EnvironmentKind } from "@/db/schema/enums";
import type { EnvironmentView, PersonRef } from "./environments";
import { NotFoundError } from "./errors";
import { environmentRef } from "./schemas";
import { parseInput } from "./validation";
import { findLiveEnvironment, pipelineById } from "./pipeline-scope";
import { ServiceError } from "./errors";
import { GONE_ENVIRONMENT_STATES, SHIPPED_DEPLOYMENT_STATES } from "@/lib/domain/vocabulary";

/** An environment as compared: what it runs, as one release (the newest among its apps). */
export interface EnvRef {
  name: string;
  kind: EnvironmentKind;
  release: { id: string; commit: string; branch: string; createdAt: Date } | null;
}

export interface ReleaseInfo {
  id: string;
  commit: string;
  branch: string;
  createdAt: Date;
  createdBy: PersonRef;
  versions: { app: string; version: string }[];
  /**
   * Whether the compared-to environment ever ran this release: null for "never ran"; else when
   * its last deployment there finished (it is not running now: a later release or a rollback
   * replaced it).
   */
  ranIn: { finishedAt: Date | null } | null;
}

export interface BuildRef {
  id: string;
  version: string;
  commit: string;
  branch: string;
  digest: string;
  releaseId: string | null;
}

/** One app on both sides: what `to` runs and what `from` runs instead. */
export interface AppBuilds {
  app: string;
  from: BuildRef | null;
  to: BuildRef | null;
  changed: boolean;
}

export interface Comparison {
  /** The pipeline both environments belong to (its name). */
  pipeline: string;
  from: EnvRef;
  to: EnvRef;
  ahead: {
    /** Newest first: releases of `from`'s branch after `to`'s current release, up to `from`'s. */
    releases: ReleaseInfo[];
    /** Commits those releases bring that `to` does not run: their own and their builds'. */
    commits: string[];
    /** Every app either side runs, changed or not (the page greys the unchanged ones). */
    builds: AppBuilds[];
    /** More than RELEASE_LIMIT releases are ahead: the lists hold the newest only. */
    truncated: boolean;
  };
  /** `to` runs a newer release than `from` (a fast-track or hotfix went around it). */
  behind: boolean;
  /** Both run the same build of every app. */
  clean: boolean;
}

export interface AheadCount {
  from: string;
  to: string;
  releases: number;
  commits: number;
}

const RELEASE_LIMIT = 200;
const GONE_STATES = GONE_ENVIRONMENT_STATES;

export const compareInput = z.strictObject({ from: environmentRef, to: environmentRef });

/** What the comparison needs of one cell; the board's EnvironmentAppView has the same fields. */
interface CellFacts {
  app: string;
  buildId: string | null;
  commit: string | null;
  releaseId: string | null;
  releaseCommit: string | null;
  releaseBranch: string | null;
  releaseCreatedAt: Date | null;
}

/**
 * Which releases `from` is ahead by: those of its current release's branch created after `to`'s
 * current release and up to `from`'s, that `to` does not run. Their commits count unless `to`
 * already runs that build or that commit. Null when nothing can be ahead.
 */
interface AheadRange {
  branch: string;
  after: Date | null;
  upTo: Date;
  skipReleases: string[];
  skipBuilds: string[];
  skipCommits: string[];
}

function currentOf(cells: CellFacts[]): EnvRef["release"] {
  let newest: CellFacts | null = null;
  for (const cell of cells) {
    if (!cell.releaseId || !cell.releaseCreatedAt) continue;
    if (!newest || cell.releaseCreatedAt > newest.releaseCreatedAt! || (cell.releaseCreatedAt.getTime() === newest.releaseCreatedAt!.getTime() && cell.releaseId > newest.releaseId!)) newest = cell;
  }
  return newest ? { id: newest.releaseId!, commit: newest.releaseCommit ?? "", branch: newest.releaseBranch ?? "", createdAt: newest.releaseCreatedAt! } : null;
}

function aheadRange(from: CellFacts[], to: CellFacts[]): AheadRange | null {
  const fromRelease = currentOf(from);
  const toRelease = currentOf(to);
  if (!fromRelease || fromRelease.id === toRelease?.id) return null;
  if (toRelease && toRelease.createdAt >= fromRelease.createdAt) return null;
  const distinct = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => Boolean(v)))];
  return {
    branch: fromRelease.branch,
    after: toRelease?.createdAt ?? null,
    upTo: fromRelease.createdAt,
    skipReleases: distinct(to.map((c) => c.releaseId)),
    skipBuilds: distinct(to.map((c) => c.buildId)),
    skipCommits: distinct(to.flatMap((c) => [c.commit, c.releaseCommit])),
  };
}

function isBehind(from: CellFacts[], to: CellFacts[]): boolean {
  const fromRelease = currentOf(from);
  const toRelease = currentOf(to);
  if (!toRelease) return false;
  return !fromRelease || (toRelease.id !== fromRelease.id && toRelease.createdAt > fromRelease.createdAt);
}

/** A recorded cell whose build is known (listCells with cells "recorded" reads only those). */
type RecordedCell = CellRow & { buildId: string; version: string; commit: string; buildBranch: string; digest: string };

/** The recorded cells of some environments, with their builds and releases (the apps in pipeline order). */
async function cellsOf(db: Db, environmentIds: string[]): Promise<RecordedCell[]> {
  const rows = await listCells(db, { environmentIds, cells: "recorded" });
  return rows.filter((c): c is RecordedCell => c.buildId !== null && c.version !== null && c.commit !== null && c.buildBranch !== null && c.digest !== null);
}

function buildRef(cell: RecordedCell | undefined): BuildRef | null {
  return cell ? { id: cell.buildId, version: cell.version, commit: cell.commit, branch: cell.buildBranch, digest: cell.digest, releaseId: cell.releaseId } : null;
}

/**
 * What `from` runs that `to` does not: the releases and commits it is ahead by, and per app the
 * build on each side. Read from the recorded cells, so it says what Slipway deployed (drift is
 * reported apart).
 */
export async function compareEnvironments(db: Db, input: { from: string; to: string }): Promise<Comparison> {
  const names = parseInput(compareInput, input);
  // Both sides belong to one pipeline: a bare `to` is looked up in `from`'s.
  const fromEnv = await findLiveEnvironment(db, names.from);
  if (!fromEnv) throw new NotFoundError(`No environment named "${names.from}".`);
  const pipeline = (await pipelineById(db, fromEnv.pipelineId)).name;
  const toEnv = await findLiveEnvironment(db, names.to, { pipeline }).catch((error: unknown) => {
    if (error instanceof ServiceError && error.status === 400) return undefined;
    throw error;
  });
  if (!toEnv) throw new NotFoundError(`No environment named "${names.to}" in the pipeline of ${names.from}.`);

  const cells = await cellsOf(db, [...new Set([fromEnv.id, toEnv.id])]);
  const fromCells = cells.filter((c) => c.environmentId === fromEnv.id);
  const toCells = cells.filter((c) => c.environmentId === toEnv.id);

  const appNames = [...new Set(cells.map((c) => c.app))]; // already in pipeline order
  const appBuilds = appNames.map((app) => {
    const from = buildRef(fromCells.find((c) => c.app === app));
    const to = buildRef(toCells.find((c) => c.app === app));
    return { app, from, to, changed: from?.id !== to?.id };
  });

  const range = aheadRange(fromCells, toCells);
  const inRange = range ? await releasesIn(db, range) : [];
  const truncated = inRange.length > RELEASE_LIMIT;
  const ahead = inRange.slice(0, RELEASE_LIMIT);
  const commits = new Set<string>();
  for (const release of ahead) {
    commits.add(release.commit);
    for (const rb of release.builds) if (!range!.skipBuilds.includes(rb.build.id)) commits.add(rb.build.commit);
  }
  for (const commit of range?.skipCommits ?? []) commits.delete(commit);
  const ran = await ranBefore(
    db,
    toEnv.id,
    ahead.map((r) => r.id),
  );

  return {
    pipeline,
    from: { name: fromEnv.name, kind: fromEnv.kind, release: currentOf(fromCells) },
    to: { name: toEnv.name, kind: toEnv.kind, release: currentOf(toCells) },
    ahead: {
      releases: ahead.map((r) => ({
        id: r.id,
        commit: r.commit,
        branch: r.branch,
        createdAt: r.createdAt,
        createdBy: r.createdByUser,
        versions: r.builds.map((rb) => ({ app: rb.app.name, version: rb.build.version })),
        ranIn: ran.has(r.id) ? { finishedAt: ran.get(r.id) ?? null } : null,
      })),
      commits: [...commits],
      builds: appBuilds,
      truncated,
    },
    behind: isBehind(fromCells, toCells),
    clean: appBuilds.every((a) => !a.changed),
  };
}

/**
 * Of `releaseIds`, those the environment ran at some time (a deployment of it there succeeded,
 * and may since have been rolled back or replaced), with when the last such deployment finished.
 */
async function ranBefore(db: Db, environmentId: string, releaseIds: string[]): Promise<Map<string, Date | null>> {
  if (releaseIds.length === 0) return new Map();
  const rows = await db
    .select({ releaseId: deployments.releaseId, finishedAt: sql<Date | null>`max(${deployments.finishedAt})`.mapWith((v: unknown) => (v === null ? null : new Date(v as string))) })
    .from(deployments)
    .where(and(eq(deployments.environmentId, environmentId), inArray(deployments.releaseId, releaseIds), inArray(deployments.state, [...SHIPPED_DEPLOYMENT_STATES])))
    .groupBy(deployments.releaseId);
  return new Map(rows.map((r) => [r.releaseId, r.finishedAt]));
}

/** The releases of a range, newest first, with who cut them and their builds (the apps in pipeline order). */
async function releasesIn(db: Db, range: AheadRange) {
  const rows = await db.query.releases.findMany({
    where: and(eq(releases.branch, range.branch), lte(releases.createdAt, range.upTo), range.after ? gt(releases.createdAt, range.after) : undefined, range.skipReleases.length ? notInArray(releases.id, range.skipReleases) : undefined),
    orderBy: [desc(releases.createdAt), desc(releases.id)],
    limit: RELEASE_LIMIT + 1,
    columns: { id: true, commit: true, branch: true, createdAt: true },
    with: {
      createdByUser: { columns: { id: true, name: true, email: true } },
      builds: { columns: {}, with: { build: { columns: { id: true, version: true, commit: true } }, app: { columns: { name: true, position: true } } } },
    },
  });
  for (const row of rows) row.builds.sort((a, b) => a.app.position - b.app.position);
  return rows;
}

/**
 * For each adjacent pair of the chain (as the board loaded it), how many releases and commits the
 * earlier environment is ahead of the next: one statement for the whole chain, none when nothing
 * is ahead. Counts as compareEnvironments does.
 */
export async function aheadSummary(db: Db, chain: EnvironmentView[]): Promise<AheadCount[]> {
  const pairs = chain.slice(1).map((to, i) => ({ from: chain[i]!, to }));
  const ranges = pairs.map(({ from, to }) => aheadRange(Object.values(from.apps), Object.values(to.apps)));
  const wanted = ranges.flatMap((range, i) =>
    range ? [{ i, branch: range.branch, after: range.after?.toISOString() ?? null, up_to: range.upTo.toISOString(), skip_releases: range.skipReleases, skip_builds: range.skipBuilds, skip_commits: range.skipCommits }] : [],
  );
  const counts = new Map<number, { releases: number; commits: number }>();
  if (wanted.length) {
    const result = await db.execute(sql`
      select p.i,
             count(distinct r.id) as releases,
             count(distinct c.commit) filter (where not (p.skip_commits @> to_jsonb(c.commit))) as commits
        from jsonb_to_recordset(${JSON.stringify(wanted)}::jsonb)
             as p(i int, branch text, after timestamptz, up_to timestamptz, skip_releases jsonb, skip_builds jsonb, skip_commits jsonb)
        join ${releases} r
          on r.branch = p.branch
         and r.created_at <= p.up_to
         and (p.after is null or r.created_at > p.after)
         and not (p.skip_releases @> to_jsonb(r.id))
       cross join lateral (
             select r.commit
              union
             select b.commit
               from ${releaseBuilds} rb
               join ${builds} b on b.id = rb.build_id
              where rb.release_id = r.id
                and not (p.skip_builds @> to_jsonb(b.id))
       ) c
       group by p.i`);
    // Both drivers answer { rows }; counts come back as bigint (a string on node-postgres).
    const rows = (result as unknown as { rows: { i: number; releases: number | string; commits: number | string }[] }).rows;
    for (const row of rows) counts.set(Number(row.i), { releases: Number(row.releases), commits: Number(row.commits) });
  }
  return pairs.map(({ from, to }, i) => ({ from: from.name, to: to.name, ...(counts.get(i) ?? { releases: 0, commits: 0 }) }));
}

/**
 * The environments one can compare, per pipeline (by name): the chain in order, then the review
 * environments, newest first. `ref` is the qualified reference ("shop/dev") compareEnvironments takes;
 * `deployed`: some app runs a release there (the page opens on a pipeline where there is something to compare).
 */
export async function comparableEnvironments(db: Db): Promise<{ ref: string; name: string; pipeline: string; kind: EnvironmentKind; deployed: boolean }[]> {
  const rows = await db
    .select({
      name: environments.name,
      pipeline: pipelines.name,
      kind: environments.kind,
      deployed: sql<boolean>`exists (select 1 from environment_apps ea where ea.environment_id = ${environments.id} and ea.release_id is not null)`,
    })
    .from(environments)
    .innerJoin(pipelines, eq(pipelines.id, environments.pipelineId))
    .where(notInArray(environments.state, [...GONE_STATES]))
    .orderBy(asc(pipelines.name), asc(environments.kind), asc(environments.position), desc(environments.createdAt));
  return rows.map((r) => ({ ...r, deployed: Boolean(r.deployed), ref: `${r.pipeline}/${r.name}` }));
}
