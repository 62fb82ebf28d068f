import type { HealthStatus } from "@/db/schema/enums";
import { FAILING_HEALTH_DESCRIPTION, FAILING_HEALTH_LABEL, isFailingHealth } from "./health";

/**
 * Which app rows a pipeline board shows: filtered by name and status, then one page of them. A
 * pipeline of 600 apps shows 50 rows at a time; the columns (environments) always show whole.
 * Pure: works on the board's cells as loaded.
 */

export const APP_STATUSES = ["failing", "drift", "undeployed", "off-release"] as const;
export type AppStatus = (typeof APP_STATUSES)[number];

/**
 * "failing": the last health recorded in some environment is failing (isFailingHealth: unhealthy or
 * degraded), however old. A stale reading is still the last thing known (the cell shows it as
 * stale); the environment page's health filter and the portfolio's failing health count it the
 * same way, and it has the portfolio's name (FAILING_HEALTH_LABEL).
 */
export const APP_STATUS_LABELS: Record<AppStatus, string> = {
  failing: FAILING_HEALTH_LABEL.toLowerCase(),
  drift: "drift",
  undeployed: "not deployed somewhere",
  "off-release": "off its column's release",
};

/** What a status means where its label is not plain enough (a tooltip). */
export const APP_STATUS_DESCRIPTIONS: Partial<Record<AppStatus, string>> = { failing: FAILING_HEALTH_DESCRIPTION };

export const BOARD_PAGE_SIZE = 50;

/** Cells (rows × environment columns) a board page renders at most, unless asked for more rows. */
export const BOARD_CELLS_PER_PAGE = 200;
/** A page keeps at least this many rows however wide the chain. */
export const BOARD_MIN_PAGE_SIZE = 20;

/**
 * Rows per board page for a chain of `columns` environments: BOARD_PAGE_SIZE (50) while that stays
 * within BOARD_CELLS_PER_PAGE, fewer on wide chains (25 rows of 8 environments), never below
 * BOARD_MIN_PAGE_SIZE. Rendering is what a board request spends its time on, and it grows with
 * the cells: 400 cells were ~1.3 MB of HTML and RSC payload and ~125 ms of CPU per request.
 */
export function boardPageSize(columns: number): number {
  return Math.min(BOARD_PAGE_SIZE, Math.max(BOARD_MIN_PAGE_SIZE, Math.floor(BOARD_CELLS_PER_PAGE / Math.max(1, columns))));
}

export interface RowCell {
  releaseId: string | null;
  health: { status: HealthStatus; stale: boolean };
  drift: unknown;
}

export interface RowEnvironment {
  /** Cells keyed by app name; a missing key is an app with nothing deployed there. */
  apps: Record<string, RowCell | undefined>;
  /** The release the column runs (its apps agree), else null. */
  releaseId: string | null;
}

export interface RowQuery {
  /** Part of the app name, case-insensitive. */
  q?: string | undefined;
  status?: AppStatus | undefined;
  /** 1-based. Past the end: the last page. */
  page?: number | undefined;
  pageSize?: number | undefined;
}

export interface RowPage<A> {
  rows: A[];
  /** Apps matching the filters (all pages). */
  matching: number;
  page: number;
  pages: number;
}

/** The release most of an environment's apps run (ties: the first met), for a column whose apps disagree. */
function mostCommonRelease(env: RowEnvironment): string | null {
  const counts = new Map<string, number>();
  for (const cell of Object.values(env.apps)) if (cell?.releaseId) counts.set(cell.releaseId, (counts.get(cell.releaseId) ?? 0) + 1);
  let best: string | null = null;
  for (const [id, n] of counts) if (best === null || n > counts.get(best)!) best = id;
  return best;
}

/** Whether an app (by name) has `status` in any of the environments. */
export function hasStatus(app: string, status: AppStatus, environments: readonly RowEnvironment[]): boolean {
  return environments.some((env) => {
    const cell = env.apps[app];
    switch (status) {
      case "failing":
        return Boolean(cell?.releaseId) && isFailingHealth(cell!.health.status);
      case "drift":
        return Boolean(cell?.drift);
      case "undeployed":
        return !cell?.releaseId;
      case "off-release":
        return Boolean(cell?.releaseId) && cell!.releaseId !== (env.releaseId ?? mostCommonRelease(env));
    }
  });
}

/** The page of app rows to show for `query`, keeping the apps' order. */
export function pageBoardRows<A extends { name: string }>(apps: readonly A[], environments: readonly RowEnvironment[], query: RowQuery = {}): RowPage<A> {
  const needle = query.q?.trim().toLowerCase() ?? "";
  const matching = apps.filter((a) => (!needle || a.name.toLowerCase().includes(needle)) && (!query.status || hasStatus(a.name, query.status, environments)));
  const size = Math.max(1, query.pageSize ?? BOARD_PAGE_SIZE);
  const pages = Math.max(1, Math.ceil(matching.length / size));
  const page = Math.min(Math.max(1, Math.floor(query.page ?? 1)), pages);
  return { rows: matching.slice((page - 1) * size, page * size), matching: matching.length, page, pages };
}

/** Reads a status from a URL parameter; anything else is no status filter. */
export function parseAppStatus(value: string | undefined): AppStatus | undefined {
  return (APP_STATUSES as readonly string[]).includes(value ?? "") ? (value as AppStatus) : undefined;
}

/** How often an open board re-renders at the latest while something moves on it, and at rest (seconds): the backstop behind its change token. */
export const BOARD_REFRESH_MOVING_S = 5;
export const BOARD_REFRESH_AT_REST_S = 30;

/** An environment on the board as the refresh rule sees it: its state and its deployments in flight. */
export interface BoardActivity {
  state: string;
  active: readonly { state: string }[];
}

/**
 * How long an open board goes without re-rendering at most. A change written to the database
 * re-renders it within seconds through its change token (components/ui/live-refresh.tsx); this
 * backstop is for what time alone changes (a soak or window ending, a reading going stale): every
 * BOARD_REFRESH_MOVING_S while something moves (a rollout in the chain or in a review environment;
 * a review environment coming up, waking or going away), else every BOARD_REFRESH_AT_REST_S. A
 * deployment waiting for sign-off, a window or a freeze can wait for hours: it does not move. A
 * 600-app board costs tens of milliseconds to render and boards stay open in many tabs all day.
 */
export function boardRefreshSeconds(chain: readonly BoardActivity[], review: readonly BoardActivity[]): number {
  const rollingOut = (e: BoardActivity) => e.active.some((d) => d.state !== "waiting");
  const moving = chain.some(rollingOut) || review.some((e) => rollingOut(e) || e.state === "provisioning" || e.state === "waking" || e.state === "tearing-down");
  return moving ? BOARD_REFRESH_MOVING_S : BOARD_REFRESH_AT_REST_S;
}
