import { and, asc, desc, eq, sql, type Placeholder, type SQL, type SQLWrapper } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { environments, reviewVerdicts } from "@/db/schema";
import { sqlList } from "@/db/schema/enums";
import { preparedRead } from "@/db/queries/prepared";
import { systemClock, type Clock } from "@/lib/domain/clock";
import type { Role } from "@/lib/domain/roles";
import { GONE_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";
import { can, type Target } from "@/lib/auth/policy";
import { environmentRef } from "@/lib/paths";
import { environmentConfigState, type RollbackConfigPreview } from "./config-snapshots";
import { releaseSummaries, type ReleaseSummaryView } from "./release-summaries";
import type { ConfigVariableView } from "./config-vars";
import type { ServiceContext } from "./context";
import { getDeployment } from "./deployment-queries";
import { previousGoodReleaseNested } from "./deployments";
import { environmentAppsPage, environmentAppsPageInput, environmentAppsPageNested, environmentRunningNested, type EnvironmentAppsPage, type EnvironmentAppsPageQuery } from "./environment-apps";
import { environmentWith, isGone, recentDeploymentsNested, toEnvironmentView, type DeploymentSummary, type EnvironmentRow, type EnvironmentView } from "./environments";
import { NotFoundError } from "./errors";
import type { FreezeView } from "./freeze-queries";
import { environmentFreezesFrom } from "./freezes";
import { liveFreezeRows } from "./board-guards";
import { openIncidentsOf } from "./incident-queries";
import type { IncidentView } from "./incidents";
import { jobRunsNested, type JobRunView } from "./jobs";
import { resolvePipeline } from "./pipeline-scope";
import { cloneModeOf, inheritedAddressesOf, type InheritedAddress } from "./review-clone";
import { environmentTraffic, type EnvironmentTraffic } from "./traffic-queries";
import { authorize } from "./authorize";
import { parseInput } from "./validation";
import { pipelineWithRevision, revisionOf } from "./pipeline-revision";
import { BUSY_MAX_AGE_MS, readAtRevision } from "./revision-cache";
import { reviewAddresses, reviewReads, reviewSection, type ReviewSection } from "./environment-page-review";

export const environmentPageInput = environmentAppsPageInput.extend({
  pipeline: z.string().min(1),
  name: z.string().min(1),
});

/** Everything the environment page shows, and what the viewer may do there. */
export interface EnvironmentPage {
  pipeline: { id: string; name: string; teamId: string | null };
  /** The pipeline's change token as the page's first statement read it (lib/services/pipeline-revision.ts): what an open page polls against. */
  revision: string;
  /** The environment's record; `apps` holds only this page's cells (see `apps`). */
  environment: EnvironmentView;
  /** What services and actions take: "pipeline/name". */
  ref: string;
  /** Torn down or retired: only its record remains. */
  gone: boolean;
  /** The release the environment runs by environmentRelease(): null when nothing runs or its apps disagree. */
  current: { id: string; commit: string } | null;
  /** The last fixed environment of the chain (a seed there asks to type the name). */
  isLast: boolean;
  /** Something is moving (a deployment, a waking review environment, a job): the page follows it. */
  busy: boolean;
  /** Config edited since what runs was deployed: since when; null when nothing is pending. */
  configPendingSince: Date | null;
  /** Apps with a seed job and a build deployed here (the Seed buttons). */
  seedApps: string[];
  /**
   * This page of apps (filtered by `q`/`status`), the total before filters, how many match them,
   * the page's number (1-based) among `pages`, how many matching apps come before it, and the filters used.
   */
  apps: EnvironmentAppsPage & { total: number; matching: number; page: number; pages: number; q: string | null; status: string | null; cursor: string | null };
  deployments: DeploymentSummary[];
  jobs: JobRunView[];
  /** Null when slipway.yaml hides this environment's config from the viewer (access.viewConfig). */
  variables: ConfigVariableView[] | null;
  freezes: FreezeView[];
  incidents: IncidentView[];
  traffic: EnvironmentTraffic | null;
  /** The default rollback, as rollbackEnvironment() would choose it; null when the viewer may not roll back or the environment is gone. */
  rollback: { target: ReleaseSummaryView | null; config: RollbackConfigPreview | null; inFlight: { commit: string } | null } | null;
  review: ReviewSection | null;
  allowed: { redeploy: boolean; rollback: boolean; editConfig: boolean; requestDeployment: boolean; runJob: boolean; liftHold: boolean };
}

/**
 * The environment `name` of the pipeline `pipeline` with its pipeline, in one statement: the live
 * one, else the newest gone one of that name (its page stays, as getEnvironmentRecord()). The same
 * statement brings what the page reads per environment, each nested as one JSON column correlated
 * to the row (db/queries/json-rows.ts): one page of its apps (`appsQuery`), what it runs as a whole
 * (environmentRunningNested), its latest deployments and job runs, and the default rollback target
 * (previousGoodReleaseOf's rule; read for every viewer, used only for those who may roll back).
 * @throws ValidationError for a bad cursor, limit, q or status (before the statement is sent)
 * @throws NotFoundError for an unknown pipeline or a name no environment ever had there
 */
async function findPageEnvironment(db: Db, clock: Clock, pipeline: string, name: string, appsQuery: EnvironmentAppsPageQuery) {
  const nestedReads = (environment: { id: SQLWrapper; pipelineId: SQLWrapper }) => pageNestedReads(db, clock, environment, appsQuery);
  let nested: ReturnType<typeof pageNestedReads> | undefined;
  // The page as people open it (no filter, first page of apps) is one prepared statement: its
  // reads nest five subqueries, 4.5 ms for PostgreSQL to plan on every view otherwise. The read
  // functions are this request's (they decode with its clock); the SQL they carry is unused.
  const unfiltered = Object.entries(appsQuery).every(([key, value]) => value === undefined || value === "" || value === DEFAULT_APPS_QUERY[key]);
  let revision: string | undefined;
  const row = unfiltered
    ? await (async () => {
        nested = unfilteredNestedReads(db, clock);
        // …and read once per change of its pipeline (lib/services/revision-cache.ts): its token first.
        const token = await pipelineWithRevision(db, pipeline);
        if (!token) return undefined;
        revision = token.revision;
        return readAtRevision(db, `environment-page:${token.id}:${name}`, token.revision, () => unfilteredPageStatement(db, { pipeline, name }), { maxAgeMs: (row) => (row && busyRow(row, nested!) ? BUSY_MAX_AGE_MS : undefined) });
      })()
    : await pageEnvironmentQuery(db, pipeline, name, (environment) => (nested = nestedReads(environment))).execute();
  if (!row || !nested) {
    await resolvePipeline(db, pipeline); // names the pipelines when this one is unknown
    throw new NotFoundError(`No environment named "${name}" in the pipeline ${pipeline}.`);
  }
  // What decodes without the clock, once per row: a row from the shared cache is decoded by its first view only.
  let decoded = clocklessDecoded.get(row);
  if (!decoded) {
    decoded = { running: nested.running.read(row.runningNow), deployments: nested.deployments.read(row.recentDeployments), jobs: nested.jobs.read(row.jobRuns), rollbackTo: nested.rollbackTo.read(row.rollbackTo) };
    clocklessDecoded.set(row, decoded);
  }
  return {
    pipeline: row.pipeline,
    environment: toEnvironmentView(row as EnvironmentRow, [], clock.now()),
    appPage: nested.appPage.read(row.appPage),
    ...decoded,
    source: row.source,
    conversation: row.verdicts,
    // Shared reads are at least as new as the token read before them, which an open page polls against.
    revision: revision ?? row.revision,
  };
}

const unfilteredDecoders = new WeakMap<Db, Omit<ReturnType<typeof pageNestedReads>, "appPage">>();

type NestedValue<K extends keyof ReturnType<typeof pageNestedReads>> = ReturnType<ReturnType<typeof pageNestedReads>[K]["read"]>;
/** Decoded parts of environment statement rows, by row (shared rows are shared by every view: read-only). */
const clocklessDecoded = new WeakMap<object, { running: NestedValue<"running">; deployments: NestedValue<"deployments">; jobs: NestedValue<"jobs">; rollbackTo: NestedValue<"rollbackTo"> }>();

/**
 * pageNestedReads for the unfiltered page, whose statement is prepared (its SQL unused) and often
 * comes from the shared cache: only the decoders matter. The four that do not read the clock are
 * built once per handle; the page of apps' decoder (with this request's clock) builds no SQL.
 */
function unfilteredNestedReads(db: Db, clock: Clock): ReturnType<typeof pageNestedReads> {
  const environment = { id: environments.id, pipelineId: environments.pipelineId };
  let decoders = unfilteredDecoders.get(db);
  if (!decoders) {
    const { appPage: _unused, ...clockless } = pageNestedReads(db, systemClock, environment, {});
    decoders = clockless;
    unfilteredDecoders.set(db, decoders);
  }
  return { ...decoders, appPage: environmentAppsPageNested(db, clock, environment, {}) };
}

/** What the environment page nests in its statement, each with the function that decodes it (with `clock`). */
function pageNestedReads(db: Db, clock: Clock, environment: { id: SQLWrapper; pipelineId: SQLWrapper }, appsQuery: EnvironmentAppsPageQuery) {
  return {
    appPage: environmentAppsPageNested(db, clock, environment, appsQuery),
    running: environmentRunningNested(db, environment),
    deployments: recentDeploymentsNested(db, environment.id),
    jobs: jobRunsNested(db, environment.id),
    rollbackTo: previousGoodReleaseNested(db, environment.id),
  };
}

/**
 * The environment page's statement: the environment named `name` in `pipeline` (a live one before
 * a gone one of the same name, newest first) with its relations and the nested reads `nestedFor`
 * makes of its row. `pipeline` and `name` may be placeholders (the prepared form).
 */
function pageEnvironmentQuery(
  db: Db,
  pipeline: string | Placeholder,
  name: string | Placeholder,
  nestedFor: (environment: { id: SQLWrapper; pipelineId: SQLWrapper }) => Record<"appPage" | "running" | "deployments" | "jobs" | "rollbackTo", { sql: SQL }>,
) {
  return db.query.environments.findFirst({
    where: and(
      eq(environments.name, name), // Plain names: the relational query rewrites every column inside its where to its own table.
      sql`${environments.pipelineId} = (select p.id from pipelines p where p.name = ${pipeline})`,
    ),
    orderBy: [sql`case when ${environments.state} in (${sql.raw(sqlList(GONE_ENVIRONMENT_STATES))}) then 1 else 0 end`, desc(environments.createdAt), desc(environments.id)],
    with: {
      ...environmentWith,
      // What a review environment's page needs of its source (the promotion preview) and its conversation.
      source: { columns: { name: true, pipelineId: true, state: true, settings: true, heldAt: true, heldBy: true, holdReason: true } },
      verdicts: { orderBy: asc(reviewVerdicts.createdAt), with: { user: { columns: { id: true, name: true, email: true } } } },
      pipeline: { columns: { id: true, name: true, teamId: true } },
    },
    // The nested reads refer to the row through the query's own alias of it.
    extras: (row) => {
      const nested = nestedFor({ id: row.id, pipelineId: row.pipelineId });
      // Keys apart from the relations' (`deployments` is the active ones, environmentWith).
      return {
        appPage: nested.appPage.sql.as("app_page"),
        runningNow: nested.running.sql.as("running_now"),
        recentDeployments: nested.deployments.sql.as("recent_deployments"),
        jobRuns: nested.jobs.sql.as("job_runs"),
        rollbackTo: nested.rollbackTo.sql.as("rollback_to"),
        revision: revisionOf(row.pipelineId).as("pipeline_revision"),
      };
    },
  });
}

/**
 * Something moves in the environment — a deployment in progress, a job queued or running, or a
 * review environment waking (it changes state without a deployment): its page follows it every
 * few seconds, and its shared reads live a second only.
 */
function somethingMoves(activeDeployments: number, state: string, jobs: readonly { state: string }[]): boolean {
  return activeDeployments > 0 || state === "waking" || jobs.some((j) => j.state === "queued" || j.state === "running");
}

/** somethingMoves() of an environment statement's raw row (its job runs decoded by `nested`). */
function busyRow(row: { deployments: unknown[]; state: string; jobRuns: unknown }, nested: ReturnType<typeof pageNestedReads>): boolean {
  return somethingMoves(row.deployments.length, row.state, nested.jobs.read(row.jobRuns));
}

/** How long an environment page's traffic is shared between views (ms): an open page re-renders every 30 s at rest anyway. */
const TRAFFIC_MAX_AGE_MS = 5_000;

/** The apps query the prepared statement is built with: any other value (a filter added later too) takes the per-request path. */
const DEFAULT_APPS_QUERY: Record<string, unknown> = environmentAppsPageInput.parse({});

// Read on every environment page: prepared (db/queries/prepared.ts). Its nested reads are built
// with a fixed clock (unused in SQL: the clock only decodes, per request) and the default page.
const unfilteredPageStatement = preparedRead("environment_page", (db, statementName) =>
  pageEnvironmentQuery(db, sql.placeholder("pipeline"), sql.placeholder("name"), (environment) => pageNestedReads(db, systemClock, environment, {})).prepare(statementName),
);

/**
 * The environment page of `name` in `pipeline` as one view model: the record (a gone environment
 * keeps its page), one page of its apps (`q`, `status`, `cursor`, `limit` ≤ 200, filtered and paged
 * in SQL), the current release by environmentRelease(), the rollback target the rollback service
 * would pick (previousGoodReleaseOf), and each action the viewer may take. A bounded number of
 * statements whatever the number of apps, deployments or variables: its pipeline's change token
 * (unfiltered), the environment's statement (with its page of apps, what it runs, its latest
 * deployments and job runs, the rollback history, its source and conversation nested), then at
 * once its pipeline's live freezes (its own and, on a review environment's page, its source's),
 * traffic, incidents, config and the summaries of the releases it names (seven); a review
 * environment adds its rollout while one moves and its inherited addresses; filtered or paged, it also reads the first page
 * of its apps for its Review panel's addresses (and the inherited ones after it). All but the
 * token are shared between views at one token (lib/services/revision-cache.ts; the traffic for a
 * few seconds within its minute): a second view sends one. What time alone changes (a freeze
 * starting, a reading going stale) is applied per view.
 * @throws NotFoundError for an unknown pipeline or an environment that never existed; ValidationError for bad paging or filters
 */
export async function getEnvironmentPage(ctx: ServiceContext, input: unknown): Promise<EnvironmentPage> {
  authorize(ctx, "pipeline.view");
  const data = parseInput(environmentPageInput, input);
  const { db, actor, clock } = ctx;
  // Page 1 is the page as people open it (the prepared statement's).
  const appsQuery = { q: data.q, status: data.status, cursor: data.cursor, limit: data.limit, page: data.page === 1 ? undefined : data.page };
  const page = await findPageEnvironment(db, clock, data.pipeline, data.name, appsQuery);
  const { pipeline, environment, running, deployments, jobs } = page;
  const matching = page.appPage.matching ?? running.appCount;
  const pages = Math.max(1, Math.ceil(matching / data.limit));
  // A page past the end (the apps went, or a filter narrowed them): the last page, as the board does.
  const appPage = appsQuery.page && appsQuery.page > pages ? { ...(await environmentAppsPage(db, clock, environment, { ...appsQuery, page: pages })), before: (pages - 1) * data.limit, matching: page.appPage.matching } : page.appPage;
  const now = clock.now();
  // Team and pipeline grants count only with the pipeline in the target.
  const scope: Target = { pipeline: { id: pipeline.id, teamId: pipeline.teamId } };
  const gone = isGone(environment);
  const ref = environmentRef(pipeline.name, environment.name);
  const current = running.release ? { id: running.release.id, commit: running.release.commit } : null;
  const allowed = {
    redeploy: false,
    rollback: !gone && can(actor, "environment.rollback", scope),
    editConfig: can(actor, "config.edit", scope),
    requestDeployment: can(actor, "deployment.request", scope),
    runJob: can(actor, "job.run", scope),
    liftHold: can(actor, "environment.hold.lift", scope),
  };
  allowed.redeploy = Boolean(current) && !gone && allowed.requestDeployment;
  // slipway.yaml may hide an environment's config from some roles (access.viewConfig).
  const viewConfig = !gone && can(actor, "config.view", { ...scope, viewConfigRoles: (environment.settings as { access?: { viewConfig?: Role[] } }).access?.viewConfig });
  const rollbackTo = allowed.rollback ? page.rollbackTo : null;
  // A forward rollout in progress: rolling back stops it and keeps what serves (lib/services/abort.ts).
  const forward = allowed.rollback ? environment.active.find((d) => (d.state === "running" || d.state === "verifying") && d.kind !== "rollback") : undefined;
  const isReview = environment.kind === "review";
  const inProgress = isReview ? (environment.active.find((d) => d.state !== "waiting") ?? environment.active[0]) : undefined;
  // While a review environment provisions nothing runs yet: its page shows the release on its way in.
  const reviewReleaseId = isReview ? (current?.id ?? inProgress?.releaseId ?? null) : null;
  const summaryIds = [rollbackTo, forward?.releaseId, reviewReleaseId].filter((id): id is string => Boolean(id));
  const promotedInto = isReview ? environment.source : null;
  const pageAppIds = appPage.items.map((row) => row.appId);
  const busy = somethingMoves(environment.active.length, environment.state, jobs);
  const partial = isReview && !gone && cloneModeOf(environment) === "changed";
  // The Review panel lists the environment's addresses whatever the Apps table is narrowed to: a
  // filtered or later page of apps reads the first page of the environment's apps for it.
  const addressesFromOtherPage = isReview && !gone && !(!data.q && !data.status && !data.cursor && (data.page ?? 1) === 1 && data.limit === DEFAULT_APPS_QUERY.limit);
  // The pipeline's live freezes: a freeze declared, edited or lifted moves the pipeline's token, so
  // the rows are shared at it; which of them count now is worked out per view, with its time. A
  // review environment's page weighs its source's too (the promotion preview): one read for both.
  const pipelineFreezes = gone ? null : readAtRevision(db, `pipeline-freezes:${environment.pipelineId}`, page.revision, () => liveFreezeRows(db, environment.pipelineId, now));
  const [freezes, traffic, shared, reviewData] = await Promise.all([
    pipelineFreezes ? pipelineFreezes.then((rows) => environmentFreezesFrom(rows, now, environment)) : [],
    // Samples do not move the token (they arrive every few seconds): the last hour is shared for
    // TRAFFIC_MAX_AGE_MS within its minute, and read again for the next minute.
    gone ? null : readAtRevision(db, `traffic:${environment.id}`, String(Math.floor(now.getTime() / 60_000)), () => environmentTraffic(db, clock, environment), { maxAgeMs: () => TRAFFIC_MAX_AGE_MS }),
    // The rest changes only with the pipeline: shared by views at its token.
    readAtRevision(
      db,
      `environment-reads:${environment.id}:${JSON.stringify([gone, rollbackTo, summaryIds, promotedInto, inProgress?.id ?? null, partial ? pageAppIds : null, addressesFromOtherPage])}`,
      page.revision,
      async () => {
        const addressAppsRead = addressesFromOtherPage ? environmentAppsPage(db, clock, environment, {}).then((first) => first.items) : Promise.resolve(appPage.items);
        const [incidents, config, summaries, rollout, addressApps, inherited] = await Promise.all([
          gone ? [] : openIncidentsOf(db, environment),
          environmentConfigState(db, environment.id, rollbackTo),
          releaseSummaries(db, summaryIds, promotedInto),
          // A review environment's rollout in progress, followed on its page.
          inProgress ? getDeployment(db, inProgress.id) : null,
          addressAppsRead,
          // One read of the source's addresses serves the table's page and the panel's apps.
          partial ? addressAppsRead.then(async (rows) => (await inheritedAddressesOf(db, [environment.id], [...new Set([...pageAppIds, ...rows.map((row) => row.appId)])])).get(environment.id) ?? []) : ([] as InheritedAddress[]),
        ]);
        const pageApps = new Set(appPage.items.map((row) => row.app));
        return {
          incidents,
          config,
          summaries,
          rollout,
          inherited: inherited.filter((address) => pageApps.has(address.app)),
          addresses: isReview ? reviewAddresses(addressApps, inherited) : [],
        };
      },
      // A rollout in progress appends to its log without moving the token: followed every second.
      { maxAgeMs: () => (busy ? BUSY_MAX_AGE_MS : undefined) },
    ),
    isReview ? reviewReads(ctx, environment, page.source, gone, pipeline.name, environment.source ? pipelineFreezes : null) : null,
  ]);
  const { incidents, config, summaries } = shared;
  const rollbackTarget = rollbackTo ? (summaries.get(rollbackTo)?.summary ?? null) : null;
  const rollingForward = forward ? (summaries.get(forward.releaseId)?.summary ?? null) : null;
  const review = reviewData
    ? reviewSection(
        ctx,
        environment,
        { ...reviewData, rollout: shared.rollout, inherited: shared.inherited, addresses: shared.addresses },
        reviewReleaseId ? (summaries.get(reviewReleaseId) ?? null) : null,
        current?.id ?? null,
        page.conversation,
        gone,
        scope,
      )
    : null;
  // Pending edits: what differs from the config version that runs (the old time rule only when none was recorded).
  const configPending = config.pendingChanges ? config.pendingChanges.length > 0 : Boolean(running.configChangedAt && running.lastDeployedAt && running.configChangedAt > running.lastDeployedAt);
  const cells = Object.fromEntries(appPage.items.flatMap((row) => (row.cell ? [[row.app, row.cell] as const] : [])));
  return {
    pipeline,
    revision: page.revision,
    environment: { ...environment, apps: cells },
    ref,
    gone,
    current,
    isLast: environment.kind === "fixed" && running.lastFixedPosition !== null && environment.position === running.lastFixedPosition,
    busy,
    configPendingSince: configPending ? (running.configChangedAt ?? now) : null,
    seedApps: gone ? [] : running.seedApps,
    apps: { ...appPage, total: running.appCount, matching, page: Math.floor(appPage.before / data.limit) + 1, pages, q: data.q || null, status: data.status ?? null, cursor: data.cursor ?? null },
    deployments,
    jobs,
    variables: gone ? [] : viewConfig ? config.variables : null,
    freezes,
    incidents,
    traffic,
    rollback: allowed.rollback ? { target: rollbackTarget, config: rollbackTarget ? config.rollback : null, inFlight: rollingForward ? { commit: rollingForward.commit } : null } : null,
    review,
    allowed,
  };
}
