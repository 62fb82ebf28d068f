import { inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments, environmentApps } from "@/db/schema";
import type { PlatformRegistry } from "@/lib/platform/registry";
import { eachLimited } from "./health-sampler";
import { recordedSpecPages, type AppPlan } from "./specs";
import { textArray } from "@/db/queries/sql-arrays";
import { ROLLING_OUT_DEPLOYMENT_STATES } from "@/lib/domain/vocabulary";

/** At most this many problems are listed in the log line; the rest are counted. */
const LISTED_PROBLEMS = 20;
/** A large installation's restore takes a while: a progress line every this many apps. */
const PROGRESS_EVERY = 5_000;

/** How a restore ended: how many apps were restored, of how many recorded. */
export interface RestoreResult {
  restored: number;
  total: number;
}

/**
 * On becoming leader: asks each environment's platform to run what the environment is recorded
 * to run (`ensureActive` adopts what survived a restart and starts only what did not), and keeps
 * each app's URL as the platform reports it. Environments with a rollout in progress are left to
 * the rollout. Problems are logged per app, never thrown: one broken app must not keep the rest
 * from serving.
 *
 * It runs in slices (`step`), so a controller restoring tens of thousands of cells keeps renewing
 * its lease and doing the work that does not touch what is being restored between two slices.
 * Memory stays bounded at any size: the recorded state is read one keyset page of `pageSize`
 * cells at a time (recordedSpecPages), each page restored (4 at a time) before the next is read,
 * and each page's changed URLs written in one statement.
 */
export class RestoreRun {
  private pages: AsyncGenerator<AppPlan[]> | null = null;
  private busy = new Set<string>();
  private restored = 0;
  private total = 0;
  private problemCount = 0;
  private readonly problems: string[] = [];
  private nextProgress = PROGRESS_EVERY;
  private result: RestoreResult | null = null;

  constructor(
    private readonly db: Db,
    private readonly platforms: PlatformRegistry,
    private readonly log: (line: string) => void,
    private readonly options: { pageSize?: number } = {},
  ) {}

  /** Whether every page has been restored. */
  get done(): boolean {
    return this.result !== null;
  }

  /**
   * Restores pages until all are done or `budgetMs` (real milliseconds, checked after each page)
   * has passed. Returns the result once the last page is restored (and logs it), null while
   * pages remain. Throws what reading the recorded state throws (the database away).
   */
  async step(budgetMs = Infinity): Promise<RestoreResult | null> {
    if (this.result) return this.result;
    const started = performance.now();
    if (!this.pages) {
      // Environments with a rollout in flight are left to it (restoring one mid-rollout once put it
      // back on its previous release). By id: names repeat across pipelines.
      const rolling = await this.db
        .select({ id: deployments.environmentId })
        .from(deployments)
        .where(inArray(deployments.state, [...ROLLING_OUT_DEPLOYMENT_STATES]));
      this.busy = new Set(rolling.map((r) => r.id));
      this.pages = recordedSpecPages(this.db, this.options.pageSize);
    }
    for (;;) {
      const next = await this.pages.next();
      if (next.done) return this.finish();
      await this.restorePage(next.value);
      if (performance.now() - started >= budgetMs) return null;
    }
  }

  private async restorePage(page: AppPlan[]): Promise<void> {
    const specs = page.filter((p) => !this.busy.has(p.environmentId!));
    this.total += specs.length;
    if (this.total >= this.nextProgress) {
      this.nextProgress += PROGRESS_EVERY;
      this.log(`restoring: ${this.total} apps so far (${this.restored} restored, ${this.problemCount} could not be)…`);
    }
    const urls: { environmentId: string; appId: string; url: string }[] = [];
    await eachLimited(specs, 4, async (plan) => {
      try {
        const status = await this.platforms.forEnvironment(plan.spec.environment).ensureActive(plan.spec);
        this.restored += 1;
        if (status.url) urls.push({ environmentId: plan.environmentId!, appId: plan.appId, url: status.url });
      } catch (error) {
        this.problemCount += 1;
        if (this.problems.length < LISTED_PROBLEMS) this.problems.push(`${plan.spec.environment}/${plan.app}: ${(error as Error).message}`);
      }
    });
    if (urls.length === 0) return;
    // The page's URLs in one statement, written only where they changed.
    await this.db.execute(sql`
      update ${environmentApps} as ea set url = v.url
      from unnest(${textArray(urls.map((u) => u.environmentId))}, ${textArray(urls.map((u) => u.appId))}, ${textArray(urls.map((u) => u.url))}) as v(environment_id, app_id, url)
      where ea.environment_id = v.environment_id and ea.app_id = v.app_id and ea.url is distinct from v.url`);
  }

  private finish(): RestoreResult {
    const more = this.problemCount > this.problems.length ? `\n  … and ${this.problemCount - this.problems.length} more` : "";
    this.log(`restored ${this.restored} of ${this.total} apps to their recorded releases${this.problemCount ? `; could not restore:\n  ${this.problems.join("\n  ")}${more}` : ""}`);
    this.result = { restored: this.restored, total: this.total };
    return this.result;
  }
}

/**
 * The whole restore in one go (see RestoreRun): every live environment's recorded release on its
 * platform. Returns how many apps were restored and of how many; throws what reading the recorded
 * state throws, never a single app's problem (those are logged).
 */
export async function restoreRecordedState(db: Db, platforms: PlatformRegistry, log: (line: string) => void, options: { pageSize?: number } = {}): Promise<RestoreResult> {
  return (await new RestoreRun(db, platforms, log, options).step())!;
}
