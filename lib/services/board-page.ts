import { z } from "zod";
import type { EnvironmentConfig, PipelineConfig } from "@/lib/config/schema";
import { can, whoMay } from "@/lib/auth/policy";
import { boardPageSize, parseAppStatus, type AppStatus } from "@/lib/domain/board-rows";
import { fastTrackOffer, skippedByFastTrack, waitingInto, type ChainColumn, type FastTrackOffer, type MovableRelease, type Waiting } from "@/lib/domain/board-moves";
import type { CellRelease } from "@/lib/domain/environment-summary";
import type { GateState } from "@/lib/domain/gate-state";
import { authorize } from "./authorize";
import type { Db } from "@/db/client";
import { loadBoardToken, loadChain, pageOfApps, type ChainRow, type PageApp, type RowFilter } from "./board-queries";
import { columnFacts, type Candidate, type LastFailure } from "./board-column-facts";
import type { ServiceContext } from "./context";
import { cloneModeOf, inheritedAddressesOf } from "./review-clone";
import { toEnvironmentView, type EnvironmentRow, type EnvironmentView } from "./environments";
import { NotFoundError } from "./errors";
import type { FreezeView } from "./freeze-queries";
import type { IncidentView } from "./incidents";
import { gateStateOf, guardsOf, liveFreezeRows } from "./board-guards";
import { openIncidentsOfPipeline } from "./incident-queries";
import { pickSoakSource, soakPlanOf, type PlannedSoak } from "./soak-plan";
import type { VerificationView } from "./verifications";
import { parseInput } from "./validation";
import { BUSY_MAX_AGE_MS, readAtRevision } from "./revision-cache";
import { listBoardCells } from "@/db/queries/cells";

/**
 * A pipeline's board as one view model: what the page shows and what the viewer may do, read in
 * a bounded number of statements whatever the pipeline's size (one page of app rows, the newest
 * review environments, per-environment summaries aggregated in SQL).
 */

/** Review environments the board lists (the newest); the rest are counted. */
export const REVIEW_LIMIT = 20;
/** Addresses named per review environment (the first is the link). */
const ADDRESSES_PER_REVIEW = 10;
const HOUR = 3_600_000;

/** App names are DNS labels: a longer search, or one with control characters, is cut to what can match. */
const search = z
  .string()
  .optional()
  .transform(
    (q) =>
      q
        ?.replace(/[\u0000-\u001f]/g, "")
        .trim()
        .slice(0, 63) || undefined,
  );

export const boardPageInput = z.object({
  pipeline: z.string().min(1, { error: "expected a pipeline name" }),
  q: search,
  /** An owning team's name (apps' `team` in slipway.yaml); anything that is no team name matches nothing. */
  team: search,
  /** One of APP_STATUSES; anything else (an old or hand-edited link) means no status filter. */
  status: z.string().optional().transform(parseAppStatus),
  /** 1-based; past the end: the last page; anything not a positive number: the first. */
  page: z.coerce.number().int().min(1).max(1_000_000).optional().catch(undefined),
  pageSize: z.number().int().min(1).max(200).optional(),
});
export type BoardPageInput = z.input<typeof boardPageInput>;

export interface BoardColumn {
  /** The environment, its `apps` holding only the page's rows. */
  environment: EnvironmentView;
  /** The release its apps share (the environmentRelease rule, over all its apps), else null. */
  release: CellRelease | null;
  /** Distinct releases its apps run (0: none deployed, >1: "mixed"). */
  releases: number;
  waiting: Waiting | null;
  /** Only for the last column, and only for a viewer who may deploy. */
  fastTrack: (FastTrackOffer & { soak: PlannedSoak | null }) | null;
  skippedBy: { commit: string; environment: string } | null;
  gateState: GateState;
  /** How far the previous environment is ahead of this one; null for the first or when nothing is ahead. */
  ahead: { from: string; to: string; releases: number; commits: number } | null;
  verifications: VerificationView[];
  /** The newest rollout that ended here, when it failed (shown until another one finishes). */
  lastFailure: LastFailure | null;
}

/** What the spin-up form needs up front (components/review/spin-up-dialog.tsx); its branches are read when it opens (getSpinUpCandidates). */
export interface SpinUpChoices {
  pipeline: string;
  sources: string[];
  defaultSource: string;
  defaultTtlHours: number;
  maxTtlHours: number;
  takenNames: string[];
  /** Apps in the pipeline (the candidates list only the first few versions). */
  appCount: number;
  /** The pipeline file's review quota and how many of its review environments exist now, told before anyone submits. */
  quota: { total: number; perPerson: number; inUse: number; yours: number };
}

export interface BoardPage {
  pipeline: { id: string; name: string; loadedAt: Date };
  /** The pipeline's change token as the board's first statement read it (lib/services/pipeline-revision.ts): what an open board polls against. */
  revision: string;
  now: Date;
  viewer: { canDeploy: boolean; spinUp: SpinUpChoices | null };
  /** Every (not retired) app of the pipeline, and the owning teams the apps name. */
  apps: { total: number; teams: string[] };
  rows: { apps: PageApp[]; matching: number; page: number; pages: number; filter: { q?: string | undefined; team?: string | undefined; status?: AppStatus | undefined } };
  columns: BoardColumn[];
  /** `addresses`: each review environment's own app addresses (the first few), then those of the page's apps its source serves (`from`). */
  /** `source`: the environment review environments clone by default (the pipeline file's reviewEnvironments.source). */
  review: { environments: EnvironmentView[]; total: number; source: string; addresses: Map<string, { app: string; url: string; from?: string }[]> };
  /** Stop-the-line freezes of this pipeline or the organisation, active or upcoming. */
  freezes: FreezeView[];
  /** Open incidents on this pipeline, its environments or the organisation. */
  incidents: IncidentView[];
  /**
   * Set while no release has reached the pipeline — none runs or rolls out in any environment, none
   * waits to enter, no review environment exists — so the board can say how the first one gets in:
   * the first environment and the branch whose releases enter it.
   */
  firstRelease: { entry: string; branch: string | null } | null;
}

/**
 * One page of the board of `input.pipeline` for the viewer: rows filtered by app name (`q`),
 * owning team and status, paged in SQL (`pageSize`, default boardPageSize() of the chain: 50 rows,
 * fewer on chains wider than four environments). Requires `pipeline.view`.
 * @throws ValidationError for a malformed input; NotFoundError for an unknown pipeline; ForbiddenError
 */
export async function getBoardPage(ctx: ServiceContext, input: BoardPageInput): Promise<BoardPage> {
  const data = parseInput(boardPageInput, input);
  const { db } = ctx;
  const now = ctx.clock.now();
  // The pipeline's token first, then what the page shows of it, read once per change of the
  // pipeline and shared by every view of this page until then (lib/services/revision-cache.ts);
  // freezes on every view (which ones still count moves with the time).
  const token = await loadBoardToken(db, data.pipeline, ctx.actor.kind === "user" ? ctx.actor.id : null);
  if (!token) throw new NotFoundError(`No pipeline named "${data.pipeline}".`);
  const target = { pipeline: { id: token.id, teamId: token.teamId } };
  authorize(ctx, "pipeline.view", { type: "pipeline", id: token.name, ...target });
  const canDeploy = can(ctx.actor, "deployment.request", target);
  const canSpinUp = can(ctx.actor, "review.create", target);

  const filter = { q: data.q, team: data.team, status: data.status };
  const pageQuery = { ...filter, page: data.page ?? 1, pageSize: data.pageSize ?? null };
  const [reads, freezeRows] = await Promise.all([
    readAtRevision(db, `board:${token.id}:${JSON.stringify(pageQuery)}`, token.revision, () => boardReads(db, data.pipeline, token.id, pageQuery), { maxAgeMs: boardReadsMaxAge }),
    liveFreezeRows(db, token.id, now),
  ]);
  const { chain: row, fixedRows, reviewRows, pageSize, page, facts, cells, inherited } = reads;
  const guards = guardsOf(freezeRows, reads.incidents, now);
  const last = fixedRows.at(-1);

  const fixed = fixedRows.map((e) =>
    toEnvironmentView(
      e as EnvironmentRow,
      cells.filter((c) => c.environmentId === e.id),
      now,
    ),
  );
  const review = reviewRows.map((e) =>
    toEnvironmentView(
      e as EnvironmentRow,
      cells.filter((c) => c.environmentId === e.id),
      now,
    ),
  );
  const addresses = new Map<string, { app: string; url: string; from?: string }[]>(reviewRows.map((e) => [e.id, [...(e.addresses ?? []), ...(inherited.get(e.id) ?? [])]]));
  const factsOf = new Map(facts.columns.map((f) => [f.environmentId, f]));
  const releaseOf = (e: EnvironmentView) => factsOf.get(e.id)?.release ?? null;
  const candidates = facts.offers;
  const chain: ChainColumn[] = fixed.map((e) => ({
    name: e.name,
    config: e.settings as Partial<EnvironmentConfig>,
    hold: e.hold,
    release: releaseOf(e),
    versions: new Map(Object.values(e.apps).flatMap((c) => (c.version ? [[c.app, c.version] as const] : []))),
    activeReleaseIds: e.active.map((d) => d.releaseId),
    empty: (factsOf.get(e.id)?.releases ?? 0) === 0,
    rolledBack: factsOf.get(e.id)?.rolledBack ?? null,
  }));
  const movable = (kind: "entry" | "fast-track"): MovableRelease | null => {
    const c = candidates.find((x) => x.kind === kind);
    return c ? { id: c.id, commit: c.commit, versions: c.versions } : null;
  };
  const fastTrackCandidate = candidates.find((c) => c.kind === "fast-track");
  const lastFacts = last ? factsOf.get(last.id) : undefined;
  const fastTracked = last && fixed.length > 1 && lastFacts?.firstDeployment?.kind === "fast-track" ? { ...lastFacts.firstDeployment, environment: last.name } : null;
  const holdLifters = whoMay("environment.hold.lift");
  const offer = canDeploy
    ? fastTrackOffer(
        chain,
        movable("fast-track"),
        fastTrackCandidate?.runningIn ?? [],
        { rolledBackIn: fastTrackCandidate?.rolledBackIn ?? [], failedIn: fastTrackCandidate?.failedIn ?? [] },
        { storedFreezes: guards.stored, holdLifters, now },
      )
    : null;

  const columns: BoardColumn[] = fixed.map((environment, i) => {
    const f = factsOf.get(environment.id);
    const previous = fixed[i - 1];
    return {
      environment,
      release: f?.release ?? null,
      releases: f?.releases ?? 0,
      waiting: waitingInto(chain, i, { entry: movable("entry"), apps: page.apps.map((a) => a.name), storedFreezes: guards.stored, holdLifters, now }),
      fastTrack: i === fixed.length - 1 && offer ? { ...offer, soak: fastTrackSoak(fastTrackCandidate, last) } : null,
      skippedBy: skippedByFastTrack(fastTracked, environment.name, f?.runsFastTracked ?? false),
      gateState: gateStateOf(environment, guards, now),
      ahead: previous && f && (f.ahead.releases > 0 || f.ahead.commits > 0) ? { from: previous.name, to: environment.name, ...f.ahead } : null,
      verifications: (f?.verifications ?? []).map((v) => ({ ...v, environment: environment.name })),
      lastFailure: f?.lastFailure ?? null,
    };
  });

  const config = row.config as PipelineConfig;
  const entry = columns[0];
  const untouched = entry && row.appCount > 0 && row.reviewCount === 0 && !entry.waiting && columns.every((c) => c.releases === 0 && c.environment.active.length === 0);
  return {
    pipeline: { id: row.id, name: row.name, loadedAt: row.loadedAt },
    revision: token.revision,
    now,
    viewer: {
      canDeploy,
      spinUp: canSpinUp
        ? {
            pipeline: row.name,
            sources: fixed.map((e) => e.name),
            defaultSource: config.reviewEnvironments.source,
            defaultTtlHours: Math.round((config.reviewEnvironments.defaultTtl / HOUR) * 10) / 10,
            maxTtlHours: Math.floor(config.reviewEnvironments.maxTtl / HOUR),
            takenNames: row.takenNames ?? [],
            appCount: row.appCount,
            quota: { ...config.reviewEnvironments.quota, inUse: row.liveReviewCount, yours: token.ownLiveReviewCount },
          }
        : null,
    },
    apps: { total: row.appCount, teams: row.teams ?? [] },
    rows: { apps: page.apps, matching: page.matching, page: page.page, pages: Math.max(1, Math.ceil(page.matching / pageSize)), filter: { q: data.q, team: data.team, status: data.status } },
    columns,
    review: { environments: review, total: row.reviewCount, source: config.reviewEnvironments.source, addresses },
    freezes: guards.banner,
    incidents: guards.incidents.map((i) => i.view),
    firstRelease: untouched ? { entry: entry.environment.name, branch: (entry.environment.settings as Partial<EnvironmentConfig>).branch ?? null } : null,
  };
}

/**
 * What a board page shows of its pipeline, none of which depends on the time or the viewer: the
 * chain (live environments, counts, the newest review environments), the page's app rows, the
 * column facts and offers, the page's cells (and what differs in each review environment), where
 * partial review environments' sources serve the page's apps, and the open incidents. Six
 * statements at most, in three rounds (the cells and addresses name the page's rows; the addresses
 * only when the pipeline has partial review environments).
 * @throws NotFoundError when the pipeline went since its token was read
 */
async function boardReads(db: Db, name: string, pipelineId: string, query: Omit<RowFilter, "pageSize"> & { pageSize: number | null }) {
  const chain = await loadChain(db, pipelineId, REVIEW_LIMIT, ADDRESSES_PER_REVIEW);
  if (!chain) throw new NotFoundError(`No pipeline named "${name}".`);
  const fixedRows = chain.environments.filter((e) => e.kind === "fixed");
  const reviewRows = chain.environments.filter((e) => e.kind === "review");
  const chainIds = fixedRows.map((e) => e.id);
  const pageSize = query.pageSize ?? boardPageSize(fixedRows.length);
  const [page, facts, incidents] = await Promise.all([pageOfApps(db, pipelineId, chainIds, { ...query, pageSize }), columnFacts(db, pipelineId, chainIds, pageSize), openIncidentsOfPipeline(db, pipelineId)]);
  const appIds = page.apps.map((a) => a.id);
  const [cells, inherited] = await Promise.all([
    listBoardCells(
      db,
      chainIds,
      reviewRows.map((e) => e.id),
      appIds,
    ),
    // Only partial review environments have apps served by their source (a statement only when there are some).
    inheritedAddressesOf(
      db,
      reviewRows.filter((e) => cloneModeOf(e) === "changed").map((e) => e.id),
      appIds,
    ),
  ]);
  return { chain, fixedRows, reviewRows, pageSize, page, facts, cells, inherited, incidents };
}

/** While a deployment moves in some environment its steps and gate reasons change every second: shared for about a refresh only. */
const boardReadsMaxAge = (reads: Awaited<ReturnType<typeof boardReads>>) => (reads.chain.environments.some((e) => e.deployments.length > 0) ? BUSY_MAX_AGE_MS : undefined);

const settingsOf = (e: ChainRow["environments"][number]) => e.settings as Partial<EnvironmentConfig>;

/** The soak a fast-track of the candidate would be measured by, stated before anyone confirms; null when the last environment has no soak gate. */
function fastTrackSoak(candidate: Candidate | undefined, last: ChainRow["environments"][number] | undefined): PlannedSoak | null {
  const soak = last ? settingsOf(last).gates?.soak : undefined;
  if (!candidate || !last || !soak) return null;
  const source = pickSoakSource(candidate.soakSources, { kind: "fast-track", fromEnvironmentId: null }, last.id);
  return soakPlanOf(source, source?.since ?? null, soak.duration);
}
