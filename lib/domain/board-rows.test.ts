import { describe, expect, it } from "vitest";
import { APP_STATUS_DESCRIPTIONS, APP_STATUS_LABELS, BOARD_CELLS_PER_PAGE, boardPageSize, boardRefreshSeconds, hasStatus, pageBoardRows, parseAppStatus, type RowCell, type RowEnvironment } from "./board-rows";
import { FAILING_HEALTH_LABEL } from "./health";
import { resolveScope } from "./scope-filter";

const cell = (releaseId: string | null, status: RowCell["health"]["status"] = "healthy", stale = false, drift: unknown = null): RowCell => ({ releaseId, health: { status, stale }, drift });
const apps = Array.from({ length: 120 }, (_, i) => ({ name: `app-${String(i).padStart(3, "0")}` }));

describe("a large board's app rows", () => {
  it("pages 50 rows at a time, keeping the apps' order; a page past the end is the last", () => {
    const first = pageBoardRows(apps, []);
    expect(first).toMatchObject({ matching: 120, page: 1, pages: 3 });
    expect(first.rows.map((a) => a.name)).toEqual(apps.slice(0, 50).map((a) => a.name));
    expect(pageBoardRows(apps, [], { page: 3 }).rows.map((a) => a.name)).toEqual(apps.slice(100).map((a) => a.name));
    expect(pageBoardRows(apps, [], { page: 99 }).page).toBe(3);
    expect(pageBoardRows(apps, [], { page: -2 }).page).toBe(1);
    expect(pageBoardRows([], [])).toEqual({ rows: [], matching: 0, page: 1, pages: 1 });
  });

  it("filters by part of the name, case-insensitive", () => {
    const page = pageBoardRows(apps, [], { q: " APP-01" });
    expect(page.rows.map((a) => a.name)).toEqual(Array.from({ length: 10 }, (_, i) => `app-01${i}`));
    expect(page.matching).toBe(10);
  });

  it("filters by status: unhealthy or degraded (fresh or stale), drift, not deployed somewhere, off the column's release", () => {
    const envs: RowEnvironment[] = [
      { releaseId: "r1", apps: { a: cell("r1"), b: cell("r1", "unhealthy", true), c: cell("r1", "degraded"), d: cell("r1", "healthy", false, { kind: "digest" }) } },
      { releaseId: null, apps: { a: cell("r2"), b: cell("r2"), c: cell("r1"), d: undefined } },
    ];
    const names = (status: Parameters<typeof hasStatus>[1]) => ["a", "b", "c", "d"].filter((n) => hasStatus(n, status, envs));
    expect(names("failing")).toEqual(["b", "c"]); // b's unhealthy report is stale: still the last thing known
    expect(names("drift")).toEqual(["d"]);
    expect(names("undeployed")).toEqual(["d"]);
    expect(names("off-release")).toEqual(["c"]); // most of the second column runs r2
    expect(pageBoardRows([{ name: "a" }, { name: "b" }, { name: "c" }, { name: "d" }], envs, { status: "failing" }).rows).toEqual([{ name: "b" }, { name: "c" }]);
  });

  // Review finding: the same rule was "unhealthy or degraded" here, "Failing health" on the portfolio.
  it("names the failing status as the portfolio names failing health, and keeps its URL word", () => {
    expect(FAILING_HEALTH_LABEL).toBe("Failing health");
    expect(APP_STATUS_LABELS.failing).toBe("failing health");
    expect(APP_STATUS_DESCRIPTIONS.failing).toMatch(/unhealthy or degraded/);
    expect(parseAppStatus("failing")).toBe("failing");
  });

  it("reads a status from the URL, ignoring anything else", () => {
    expect(parseAppStatus("drift")).toBe("drift");
    expect(parseAppStatus("DRIFT")).toBeUndefined();
    expect(parseAppStatus(undefined)).toBeUndefined();
  });
});

describe("pipeline and team filters from the URL", () => {
  const pipelines = [{ id: "pip_1", name: "shop" }];
  const teams = [{ id: "team_1", name: "storefront" }];
  it("turns names into ids, and says which names match nothing", () => {
    expect(resolveScope(pipelines, teams, { pipeline: "shop", team: "storefront" })).toEqual({ pipelineId: "pip_1", teamId: "team_1", unknown: [] });
    expect(resolveScope(pipelines, teams, {})).toEqual({ unknown: [] });
    expect(resolveScope(pipelines, [], { pipeline: "tool", team: "platform" })).toEqual({ unknown: ['no pipeline named "tool"', 'no team named "platform"'] });
  });
});

describe("rows per board page: a cell budget on wide chains", () => {
  it("50 rows up to four environments, fewer beyond, never under 20", () => {
    expect([1, 3, 4, 5, 8, 10, 12, 40].map(boardPageSize)).toEqual([50, 50, 50, 40, 25, 20, 20, 20]);
    expect(boardPageSize(0)).toBe(50);
  });

  it("keeps a page within the budget wherever the floor of 20 rows allows", () => {
    for (let columns = 1; columns <= 10; columns++) expect(boardPageSize(columns) * columns).toBeLessThanOrEqual(BOARD_CELLS_PER_PAGE);
  });
});

describe("boardRefreshSeconds", () => {
  const at = (state: string, ...active: string[]) => ({ state, active: active.map((s) => ({ state: s })) });

  it("follows a board every 5 s while a rollout runs in the chain or a review environment", () => {
    expect(boardRefreshSeconds([at("active"), at("active", "running")], [])).toBe(5);
    expect(boardRefreshSeconds([at("active")], [at("ready", "verifying")])).toBe(5);
  });

  it("does so while a review environment comes up, wakes or goes away", () => {
    for (const state of ["provisioning", "waking", "tearing-down"]) expect(boardRefreshSeconds([at("active")], [at(state)])).toBe(5);
  });

  it("refreshes a board at rest every 30 s: a deployment waiting for sign-off does not move", () => {
    expect(boardRefreshSeconds([at("active", "waiting"), at("active")], [at("ready"), at("sleeping")])).toBe(30);
  });
});
