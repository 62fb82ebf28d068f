import { and, eq, isNotNull, notInArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, environmentApps, environments } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import { aggregateHealth, HEALTH_STALE_AFTER_MS } from "@/lib/domain/health";
import { ASLEEP_OR_GONE_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";
import type { AppStatus, InstanceHealth, PlatformAdapter } from "@/lib/platform/types";
import type { PlatformRegistry } from "@/lib/platform/registry";
import { healthPathOf } from "./specs";
import { textArray } from "@/db/queries/sql-arrays";

/** Runs `work` over `items`, at most `limit` at a time. */
export async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Running apps are probed this many at a time, and their cells read and written this many per statement. */
const PAGE = 500;
/**
 * Cells the platform runs nothing for are written again only when their recorded health is older
 * than this (half the board's staleness threshold, so they keep showing as unhealthy, never as stale).
 */
export const ABSENT_REFRESH_MS = HEALTH_STALE_AFTER_MS / 2;

export interface HealthPass {
  /** Cells whose instances were asked (the platform runs their app). */
  probed: number;
  /** Cells written as unhealthy because their platform runs nothing for them (or could not be read). */
  absent: number;
}

/**
 * Asks the platforms how every deployed app is doing and records it with the time observed, so the
 * board shows live health (and shows it as stale when observations stop). Cost follows what runs,
 * not the number of environment × app cells:
 * - one `inventory()` per platform says what it runs; only those apps' instances are probed (8 at
 *   a time), their cells read and written `PAGE` at a time in one statement each (URLs from the inventory);
 * - every other cell of a live environment with something deployed is unhealthy with no instances
 *   (or with its platform's error when the inventory failed): one set-based statement per outcome,
 *   which writes only cells whose recorded health differs or is older than ABSENT_REFRESH_MS.
 * Memory is bounded by what the platforms run. Returns how many cells were probed and written absent.
 */
export async function sampleHealth(db: Db, platforms: PlatformRegistry, clock: Clock): Promise<HealthPass> {
  const now = clock.now();
  const liveNames = (
    await db
      .selectDistinct({ name: environments.name })
      .from(environments)
      .where(notInArray(environments.state, [...ASLEEP_OR_GONE_ENVIRONMENT_STATES]))
  ).map((r) => r.name);
  /** Per platform, what it runs by environment name (one inventory call each). */
  const inventories = new Map<PlatformAdapter, Promise<Map<string, AppStatus[]>>>();
  const inventoryOf = (adapter: PlatformAdapter) => {
    let listed = inventories.get(adapter);
    if (!listed) {
      listed = adapter.inventory().then((all) => {
        const byEnvironment = new Map<string, AppStatus[]>();
        for (const status of all) {
          if (!status.active || status.asleep) continue;
          const listed = byEnvironment.get(status.environment);
          if (listed) listed.push(status);
          else byEnvironment.set(status.environment, [status]);
        }
        return byEnvironment;
      });
      inventories.set(adapter, listed);
    }
    return listed;
  };
  const running: AppStatus[] = [];
  /** Environments whose platform could not say what runs, per error message. */
  const failed = new Map<string, string[]>();
  for (const name of liveNames) {
    try {
      running.push(...((await inventoryOf(platforms.forEnvironment(name))).get(name) ?? []));
    } catch (error) {
      const message = (error as Error).message;
      failed.set(message, [...(failed.get(message) ?? []), name]);
    }
  }
  let probed = 0;
  for (let i = 0; i < running.length; i += PAGE) probed += await probePage(db, platforms, now, running.slice(i, i + PAGE));
  const unreadable = new Set([...failed.values()].flat());
  const readable = liveNames.filter((name) => !unreadable.has(name));
  let absent = await markAbsent(db, now, readable, running, { instances: [] });
  for (const [error, names] of failed) absent += await markAbsent(db, now, names, [], { instances: [{ instance: "-", status: "unhealthy", error, latencyMs: 0 }] });
  return { probed, absent };
}

/** Probes one page of running apps and writes their cells in one statement; returns how many cells. */
async function probePage(db: Db, platforms: PlatformRegistry, now: Date, page: AppStatus[]): Promise<number> {
  const cells = await db
    .select({ environmentId: environments.id, environment: environments.name, appId: apps.id, app: apps.name, appSettings: apps.settings })
    .from(environmentApps)
    .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
    .innerJoin(apps, eq(apps.id, environmentApps.appId))
    .where(
      and(
        isNotNull(environmentApps.buildId),
        notInArray(environments.state, [...ASLEEP_OR_GONE_ENVIRONMENT_STATES]),
        sql`(${environments.name}, ${apps.name}) in (select * from unnest(${textArray(page.map((s) => s.environment))}, ${textArray(page.map((s) => s.app))}))`,
      ),
    );
  const urls = new Map(page.map((s) => [`${s.environment}\u0000${s.app}`, s.url]));
  const observed: { environmentId: string; appId: string; status: string; detail: string; url: string | null }[] = [];
  await eachLimited(
    cells.filter((c) => urls.has(`${c.environment}\u0000${c.app}`)),
    8,
    async (cell) => {
      let instances: InstanceHealth[];
      try {
        instances = await platforms.forEnvironment(cell.environment).health(cell.environment, cell.app, "active", healthPathOf(cell.appSettings));
      } catch (error) {
        instances = [{ instance: "-", status: "unhealthy", error: (error as Error).message, latencyMs: 0 }];
      }
      const detail = { instances: instances.map(({ instance, status: s, version, commit, error, latencyMs }) => ({ instance, status: s, version, commit, error, latencyMs })) };
      observed.push({ environmentId: cell.environmentId, appId: cell.appId, status: aggregateHealth(instances.map((i) => i.status)), detail: JSON.stringify(detail), url: urls.get(`${cell.environment}\u0000${cell.app}`) ?? null });
    },
  );
  if (observed.length === 0) return 0;
  const column = (pick: (o: (typeof observed)[number]) => string | null) => textArray(observed.map(pick));
  await db.execute(sql`
    update ${environmentApps} as ea
    set health_status = v.status, health_observed_at = ${now.toISOString()}::timestamptz, health_detail = v.detail::jsonb, url = coalesce(v.url, ea.url)
    from unnest(${column((o) => o.environmentId)}, ${column((o) => o.appId)}, ${column((o) => o.status)}, ${column((o) => o.detail)}, ${column((o) => o.url)}) as v(environment_id, app_id, status, detail, url)
    where ea.environment_id = v.environment_id and ea.app_id = v.app_id`);
  return observed.length;
}

/**
 * Cells of the environments `names` with something deployed whose app is not among `running`:
 * unhealthy with `detail`, observed now. Writes only cells recorded otherwise or longer ago than
 * ABSENT_REFRESH_MS (one statement). Returns how many cells it wrote.
 */
async function markAbsent(db: Db, now: Date, names: string[], running: AppStatus[], detail: { instances: InstanceHealth[] }): Promise<number> {
  if (names.length === 0) return 0;
  const list = textArray;
  const refreshBefore = new Date(now.getTime() - ABSENT_REFRESH_MS);
  const result = await db.execute(sql`
    update ${environmentApps} as ea
    set health_status = 'unhealthy', health_observed_at = ${now.toISOString()}::timestamptz, health_detail = ${JSON.stringify(detail)}::jsonb
    from ${environments} e, ${apps} a
    where e.id = ea.environment_id and a.id = ea.app_id and ea.build_id is not null
      and e.name = any(${list(names)}) and e.state <> all(${list([...ASLEEP_OR_GONE_ENVIRONMENT_STATES])})
      and not exists (select 1 from unnest(${list(running.map((s) => s.environment))}, ${list(running.map((s) => s.app))}) as r(environment, app) where r.environment = e.name and r.app = a.name)
      and (ea.health_status <> 'unhealthy' or ea.health_detail is distinct from ${JSON.stringify(detail)}::jsonb or ea.health_observed_at is null or ea.health_observed_at < ${refreshBefore.toISOString()}::timestamptz)`);
  return affected(result);
}

/** Rows an UPDATE wrote, from either driver's result (node-postgres: rowCount; PGlite: affectedRows). */
function affected(result: unknown): number {
  const r = result as { rowCount?: number | null; affectedRows?: number };
  return Number(r.rowCount ?? r.affectedRows ?? 0);
}
