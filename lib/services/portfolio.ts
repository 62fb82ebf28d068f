import { asc, sql } from "drizzle-orm";
import { teams as teamsTable } from "@/db/schema";
import type { Db } from "@/db/client";
import type { DeploymentKind, DeploymentState } from "@/db/schema/enums";
import { FAILING_HEALTH_STATUSES } from "@/lib/domain/vocabulary";
import { healthStaleFrom } from "@/lib/domain/health";
import type { Actor } from "@/lib/auth/actor";
import { can } from "@/lib/auth/policy";
import { activeFreezes, type StoredFreeze } from "@/lib/domain/gates/freeze";
import { configuredFreezes } from "./freeze-queries";
import { rowsOf } from "@/db/queries/sql-arrays";
import { environmentRows, PORTFOLIO_PAGE_SIZE, type DeploymentRow, type EnvironmentRow, type PortfolioFilter } from "./portfolio-rows";
import { portfolioRevisionOf } from "./pipeline-revision";
import { readAtRevision } from "./revision-cache";

/**
 * The portfolio: every pipeline a person may see, each with its chain of environments summarised.
 * Built for an organisation of ~50 pipelines and ~2,000 apps: cells are aggregated per environment
 * in SQL (never loaded one by one), and the whole page is at most four statements.
 */

export type { PortfolioFilter } from "./portfolio-rows";
export { PORTFOLIO_PAGE_SIZE } from "./portfolio-rows";

export interface PortfolioWaiting {
  id: string;
  kind: DeploymentKind;
  state: DeploymentState;
  releaseCommit: string;
  /** The first unmet gate's reason (e.g. "needs 1 tech lead approval — Alex Kim can give it"), else null. */
  blocker: string | null;
  /** The approvals still needed, by role ("needs 1 tech lead and 1 product manager approval"), when approvals are what it waits on. */
  approvalsNeeded: string | null;
  /** This person may decide on it now. */
  mine: boolean;
}

/** One word and a tone for an environment's health, from its apps' counts (a stale unhealthy or degraded reading still counts, and says it is stale). */
export interface HealthSummary {
  tone: "neutral" | "red" | "amber" | "green";
  label: string;
}

export interface PortfolioEnvironment {
  id: string;
  name: string;
  position: number;
  /** The release its apps share, else null (see `releases`). */
  release: { id: string; commit: string; branch: string; createdAt: Date } | null;
  /** How many distinct releases its apps run (0: nothing deployed; >1: mixed). */
  releases: number;
  deployedApps: number;
  /** The latest deployment of any of its apps, else null. */
  deployedAt: Date | null;
  /**
   * Deployed apps by their last health: `unhealthy` and `degraded` however old the reading (the
   * last thing known), `healthy` only when fresh; `stale` counts the readings of any status not
   * confirmed within HEALTH_STALE_AFTER_MS.
   */
  health: { healthy: number; degraded: number; unhealthy: number; stale: number };
  /** The health in a word, as the tile shows it. */
  healthSummary: HealthSummary;
  held: boolean;
  openIncidents: number;
  /** Names of the freezes active now (slipway.yaml and stored, organisation-wide included). */
  freezes: string[];
  /** Deployments waiting or queued to go in. */
  waiting: PortfolioWaiting[];
  /** A rollout in progress, if any. */
  rollingOut: { id: string; state: DeploymentState; releaseCommit: string } | null;
}

export interface PortfolioPipeline {
  id: string;
  name: string;
  team: { id: string; name: string; displayName: string | null } | null;
  loadedAt: Date;
  appCount: number;
  reviewCount: number;
  /** With an app search: the matching app names (at most 6). */
  matchedApps: string[];
  environments: PortfolioEnvironment[];
  /** Summaries the filters and the page header use. */
  failing: boolean;
  needsMyDecision: boolean;
  /** Open incidents and deployments waiting, over its environments. */
  openIncidents: number;
  waiting: number;
}

export interface Portfolio {
  /** One page of the matching pipelines, in name order. */
  pipelines: PortfolioPipeline[];
  /** Visible pipelines matching the team, name and app filters, before the failing and decision filters. */
  visibleCount: number;
  /** Visible pipelines matching every filter (all pages). */
  matching: number;
  page: number;
  pages: number;
  /** The teams to offer in the filter (empty until teams exist). */
  teams: readonly TeamOption[];
  /** The portfolio's change token, read before its rows (GET /api/v1/revision polls it); null for someone who may view no pipeline. */
  revision: string | null;
}

const num = (v: unknown) => Number(v ?? 0);
const date = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));

export interface TeamOption {
  id: string;
  name: string;
  displayName: string | null;
}

/** Every team, in name order, for filters. One statement. */
export async function listTeamOptions(db: Db): Promise<TeamOption[]> {
  return db.select({ id: teamsTable.id, name: teamsTable.name, displayName: teamsTable.displayName }).from(teamsTable).orderBy(asc(teamsTable.name));
}

type FreezeRow = StoredFreeze & { environmentId: string | null };

/** Stored freezes not lifted and not over: few, whatever the organisation's size. */
async function storedFreezes(db: Db, now: Date): Promise<FreezeRow[]> {
  const result = await db.execute(sql`
    select f.id, f.name, f.reason, f.starts_at, f.ends_at, f.rrule, f.duration_ms, f.timezone, f.environment_id, e.name as environment
      from freezes f left join environments e on e.id = f.environment_id
     where f.lifted_at is null and (f.ends_at is null or f.ends_at > ${now})`);
  return rowsOf<Record<string, unknown>>(result).map((f) => ({
    id: String(f.id),
    name: String(f.name),
    reason: String(f.reason),
    startsAt: date(f.starts_at),
    endsAt: f.ends_at ? date(f.ends_at) : null,
    rrule: (f.rrule as string | null) ?? null,
    durationMs: f.duration_ms === null || f.duration_ms === undefined ? null : Number(f.duration_ms),
    timezone: (f.timezone as string | null) ?? null,
    environment: (f.environment as string | null) ?? null,
    environmentId: (f.environment_id as string | null) ?? null,
    createdBy: "",
    liftedAt: null,
  }));
}

/** "needs 1 tech lead approval — Alex can give it" → "needs 1 tech lead approval". */
const approvalsHeadline = (reason: string | null) => (reason ? (reason.split(" — ")[0]!.split(", which nobody")[0] ?? reason) : null);

function freezesOf(environmentId: string, name: string, settings: unknown, stored: FreezeRow[], now: Date): string[] {
  // Match stored freezes by id, not name: names are unique per pipeline only.
  const mine = stored.filter((f) => f.environmentId === null || f.environmentId === environmentId).map((f) => ({ ...f, environment: f.environmentId ? name : null }));
  try {
    return [...new Set(activeFreezes({ configured: configuredFreezes(settings), stored: mine, environment: name }, now).map((f) => f.name))];
  } catch {
    // The freeze gate fails closed on a schedule it cannot read: so does the summary.
    return ["unreadable freeze schedule"];
  }
}

/** The health of an environment in a word; "· N stale" when N readings are not recent (a stale unhealthy one still counts as unhealthy). */
export function healthSummary(env: Pick<PortfolioEnvironment, "deployedApps" | "health">): HealthSummary {
  const h = env.health;
  const stale = h.stale > 0 ? ` · ${h.stale} stale` : "";
  if (env.deployedApps === 0) return { tone: "neutral", label: "nothing deployed" };
  if (h.unhealthy > 0) return { tone: "red", label: `${h.unhealthy} unhealthy${stale}` };
  if (h.degraded > 0) return { tone: "amber", label: `${h.degraded} degraded${stale}` };
  if (h.healthy === 0) return { tone: "neutral", label: "health unknown" };
  return { tone: "green", label: `healthy${stale}` };
}

type SharedRow = Omit<EnvironmentRow, "deployments"> & { deployments: DeploymentRow[] };

/**
 * The page's rows, shared by views at one portfolio token (lib/services/revision-cache.ts): the
 * statement counts health at the time it runs, so its rows serve until the first reading they
 * count as fresh would be stale (`oldest_fresh`), or the token moves. Per viewer only through the
 * "needs my decision" filter, which is part of the key.
 */
function sharedRows(db: Db, actor: Actor, filter: PortfolioFilter, now: Date, revision: string): Promise<SharedRow[]> {
  const mine = filter.needsMyDecision ? [...(filter.myDecisions ?? [])].sort() : null;
  const narrowing = [actor.pipelineRestriction ?? null, filter.team ?? null, filter.name ?? null, filter.app ?? null, Boolean(filter.failing), mine, filter.page ?? 1, filter.pageSize ?? null];
  return readAtRevision(
    db,
    `portfolio:${JSON.stringify(narrowing)}`,
    revision,
    async () =>
      // Marking a viewer's own decisions is per view (below): the statement needs them only to filter by them.
      (await environmentRows(db, actor, { ...filter, myDecisions: mine ? new Set(mine) : undefined }, now)).map((row) => ({
        ...row,
        deployments: (typeof row.deployments === "string" ? JSON.parse(row.deployments) : (row.deployments ?? [])) as DeploymentRow[],
      })),
    {
      now,
      validUntil: (rows) => {
        const oldest = Math.min(...rows.map((row) => (row.oldest_fresh ? date(row.oldest_fresh).getTime() : Infinity)));
        return Number.isFinite(oldest) ? healthStaleFrom(new Date(oldest)) : null;
      },
    },
  );
}

/**
 * The portfolio for `actor` at `now`: one page of the pipelines they may see (`pipeline.view`),
 * in name order, narrowed by `filter` in SQL (team, name, app, failing health, my decisions), with
 * the portfolio's change token. Its token first, then at once its rows (shared by views at one
 * token, see sharedRows), the stored freezes (which count moves with the time: per view) and the
 * teams unless `teams` is given (the page has them from the session's statement): three or four
 * statements whatever the organisation's size, two or three when another view read the rows at the
 * token. Throws only what the database throws.
 */
export async function getPortfolio(db: Db, actor: Actor, now: Date, filter: PortfolioFilter = {}, teams?: readonly TeamOption[]): Promise<Portfolio> {
  if (!can(actor, "pipeline.view")) return { pipelines: [], visibleCount: 0, matching: 0, page: 1, pages: 1, teams: [], revision: null };
  const revision = await portfolioRevisionOf(db, actor.pipelineRestriction ?? null);
  const [rows, stored, teamList] = await Promise.all([sharedRows(db, actor, filter, now, revision), storedFreezes(db, now), teams ?? listTeamOptions(db)]);
  const mineIds = filter.myDecisions ?? new Set<string>();

  const pipelines = new Map<string, PortfolioPipeline>();
  for (const row of rows) {
    if (!row.pipeline_id) continue;
    let pipeline = pipelines.get(row.pipeline_id);
    if (!pipeline) {
      pipeline = {
        id: row.pipeline_id,
        name: row.pipeline_name,
        team: row.team_id && row.team_name ? { id: row.team_id, name: row.team_name, displayName: row.team_display } : null,
        loadedAt: date(row.loaded_at),
        appCount: num(row.app_count),
        reviewCount: num(row.review_count),
        matchedApps: row.matched_apps ?? [],
        environments: [],
        failing: false,
        needsMyDecision: false,
        openIncidents: 0,
        waiting: 0,
      };
      pipelines.set(row.pipeline_id, pipeline);
    }
    if (!row.env_id || !row.env_name) continue;
    const inFlight = row.deployments;
    const rolling = inFlight.find((d) => d.state === "running" || d.state === "verifying");
    const health = { healthy: num(row.healthy), degraded: num(row.degraded), unhealthy: num(row.unhealthy), stale: num(row.stale) };
    const environment: PortfolioEnvironment = {
      id: row.env_id,
      name: row.env_name,
      position: row.position ?? 0,
      release: num(row.releases) === 1 && row.release_id && row.release_commit ? { id: row.release_id, commit: row.release_commit, branch: row.release_branch ?? "", createdAt: date(row.release_created_at) } : null,
      releases: num(row.releases),
      deployedApps: num(row.deployed),
      deployedAt: row.deployed_at ? date(row.deployed_at) : null,
      health,
      healthSummary: healthSummary({ deployedApps: num(row.deployed), health }),
      held: Boolean(row.held),
      openIncidents: num(row.open_incidents),
      freezes: freezesOf(row.env_id, row.env_name, row.settings, stored, now),
      waiting: inFlight
        .filter((d) => d.state === "waiting" || d.state === "queued")
        .map((d) => ({ id: d.id, kind: d.kind, state: d.state, releaseCommit: d.release_commit, blocker: d.blocker, approvalsNeeded: approvalsHeadline(d.approvals), mine: mineIds.has(d.id) })),
      rollingOut: rolling ? { id: rolling.id, state: rolling.state, releaseCommit: rolling.release_commit } : null,
    };
    pipeline.environments.push(environment);
    pipeline.openIncidents += environment.openIncidents;
    pipeline.waiting += environment.waiting.length;
    // Failing health as the SQL filter counts it (the statuses' counts include stale readings).
    if (FAILING_HEALTH_STATUSES.some((status) => environment.health[status] > 0)) pipeline.failing = true;
    if (environment.waiting.some((w) => w.mine)) pipeline.needsMyDecision = true;
  }

  const size = Math.max(1, Math.min(200, filter.pageSize ?? PORTFOLIO_PAGE_SIZE));
  const matching = num(rows[0]?.matching_count);
  return {
    // The policy decides per pipeline too (SQL applied a token's restriction already).
    pipelines: [...pipelines.values()].filter((p) => can(actor, "pipeline.view", { pipeline: { id: p.id, teamId: p.team?.id ?? null } })),
    visibleCount: num(rows[0]?.visible_count),
    matching,
    page: num(rows[0]?.page) || 1,
    pages: Math.max(1, Math.ceil(matching / size)),
    teams: teamList,
    revision,
  };
}
